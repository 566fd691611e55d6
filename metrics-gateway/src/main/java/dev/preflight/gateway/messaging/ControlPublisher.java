package dev.preflight.gateway.messaging;

import dev.preflight.wire.Channels;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunCommand;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Puts commands for running runs on {@code preflight.control}, keyed by run id. Like {@link RunPublisher}, the
 * returned {@link Uni} completes only once the broker acknowledged the record (acks=all), so the kill endpoint's 202
 * means the command is durable and every trainer will read it.
 */
@ApplicationScoped
public class ControlPublisher {

    private final MutinyEmitter<byte[]> control;

    public ControlPublisher(@Channel(Channels.CONTROL_OUT) MutinyEmitter<byte[]> control) {
        this.control = control;
    }

    public Uni<Void> publish(RunCommand command) {
        return control.sendMessage(Keyed.message(command.runId(), Json.encode(command)));
    }
}
