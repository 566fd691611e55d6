package dev.preflight.kafka;

import java.io.IOException;
import java.net.ServerSocket;

/** Free TCP ports on this machine, for the local broker and the local services. */
public final class LocalPorts {

    private LocalPorts() {
    }

    /**
     * A port that was free a moment ago (the OS picks it; nothing holds it after this returns, so a process started
     * right after can bind it).
     *
     * @throws IllegalStateException if the OS has no free port
     */
    public static int free() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }
}
