package dev.preflight.gateway.messaging;

import dev.preflight.wire.Channels;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * The gateway's own run events on {@code preflight.run-events}, keyed by run id: LOST, for a run whose trainer vanished
 * ({@code LostRuns}). Completes once the broker acknowledged the record (acks=all, idempotent producer).
 */
@ApplicationScoped
public class RunEventPublisher {

    private final MutinyEmitter<byte[]> events;

    public RunEventPublisher(@Channel(Channels.RUN_EVENTS_OUT) MutinyEmitter<byte[]> events) {
        this.events = events;
    }

    public Uni<Void> publish(RunEvent event) {
        return events.sendMessage(Keyed.message(event.runId(), Json.encode(event)));
    }
}
