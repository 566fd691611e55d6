package dev.preflight.cli.stack;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What {@code preflight up} leaves in {@code <out>/stack.json} while it runs, so that {@code run}, {@code ablate},
 * {@code status}, {@code kill} and {@code down} find the stack: the {@code up} process, every process it started (pid
 * and start time, so a recycled pid is never mistaken for one of them), the URLs and the API key. The file is
 * readable by its owner only (it holds the key) and removed when {@code up} stops.
 *
 * @param pid         the {@code preflight up} process
 * @param startedAtMs its start time (epoch ms, as the OS reports it)
 * @param apiKey      the gateway's and data-service's API key
 * @param gateway     the gateway's base URL; its live page is at {@code /}
 * @param dataService the data-service's base URL
 * @param kafka       the broker's bootstrap address
 * @param dataRoot    the data-service's data root: datasets given as paths must lie under it
 * @param prometheus  Prometheus' base URL, or null when {@code up} started none
 * @param processes   every process {@code up} started
 */
public record StackState(long pid, long startedAtMs, String apiKey, String gateway, String dataService, String kafka,
                         String dataRoot, String prometheus, List<Proc> processes) {

    /** The file name under {@code --out}. */
    public static final String FILE = "stack.json";

    /** One process of the stack, with its OS start time (epoch ms). */
    public record Proc(String name, long pid, long startedAtMs, String url) {

        /** The process, if it is still this one (same pid and the same start time). */
        public Optional<ProcessHandle> handle() {
            return ProcessHandle.of(pid).filter(h -> h.isAlive() && startedAt(h) / 1000 == startedAtMs / 1000);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** A process's start time in epoch ms, or -1 when the OS does not say. */
    public static long startedAt(ProcessHandle h) {
        return h.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(-1L);
    }

    public static Path file(Path out) {
        return out.resolve(FILE);
    }

    /** The {@code up} process, when it is still running. */
    public Optional<ProcessHandle> upProcess() {
        return new Proc("up", pid, startedAtMs, null).handle();
    }

    /** Processes of this stack still running (for a stack whose {@code up} was killed: what it left behind). */
    public List<ProcessHandle> survivors() {
        List<ProcessHandle> alive = new ArrayList<>();
        processes.forEach(p -> p.handle().ifPresent(alive::add));
        return alive;
    }

    /** Writes the file atomically, owner-only. */
    public void write(Path out) throws IOException {
        Path target = file(out);
        Path tmp = out.resolve(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.write(tmp, JSON.writeValueAsBytes(this));
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The state file under {@code out} as written, live or not; empty when there is none. */
    public static Optional<StackState> read(Path out) {
        Path f = file(out);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), StackState.class));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + f + " (written by preflight up): " + e.getMessage()
                    + "; remove it if no stack is running", e);
        }
    }

    /**
     * The running stack under {@code out}, if there is one. A state file whose {@code up} process is gone is stale:
     * it is ignored, with one line to {@code note}.
     */
    public static Optional<StackState> running(Path out, Consumer<String> note) {
        Optional<StackState> state = read(out);
        if (state.isPresent() && state.get().upProcess().isEmpty()) {
            note.accept("ignoring " + file(out) + ": the preflight up that wrote it (pid " + state.get().pid() + ") is gone");
            return Optional.empty();
        }
        return state;
    }

    /**
     * Stops what a stack left running: SIGTERM, {@code grace} to exit, then SIGKILL. Processes that are
     * no longer the recorded ones (another start time) are left alone.
     *
     * @return the pids that were still running
     */
    public List<Long> stopSurvivors(Duration grace) {
        List<ProcessHandle> alive = survivors();
        alive.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle h : alive) {
            try {
                h.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        for (ProcessHandle h : alive) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("process " + h.pid() + " of the stack did not exit after SIGKILL", e);
            }
        }
        return alive.stream().map(ProcessHandle::pid).toList();
    }
}
