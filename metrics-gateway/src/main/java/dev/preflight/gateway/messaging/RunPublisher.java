package dev.preflight.gateway.messaging;

import dev.preflight.wire.Channels;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunSubmitted;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Puts accepted runs on {@code preflight.runs}, keyed by run id (so a run's records share a partition).
 *
 * <p>A {@link MutinyEmitter} rather than a hand-made KafkaProducer: the connector's sink acknowledges a message only
 * once the broker has acknowledged the record (and nacks it on a send failure), so the returned {@link Uni} is exactly
 * the durability signal the submit endpoint waits for, without blocking a thread; and the producer is configured,
 * health-checked and closed on shutdown with the other channels instead of by extra code.
 */
@ApplicationScoped
public class RunPublisher {

    private final MutinyEmitter<byte[]> runs;

    public RunPublisher(@Channel(Channels.RUNS_OUT) MutinyEmitter<byte[]> runs) {
        this.runs = runs;
    }

    /** Completes when the broker has acknowledged the record; fails if it could not be written. */
    public Uni<Void> publish(RunSubmitted run) {
        return runs.sendMessage(Keyed.message(run.runId(), Json.encode(run)));
    }
}
