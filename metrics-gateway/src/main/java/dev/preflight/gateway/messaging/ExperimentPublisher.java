package dev.preflight.gateway.messaging;

import dev.preflight.gateway.model.ExperimentRecord;
import dev.preflight.wire.Channels;
import dev.preflight.wire.Json;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Puts each state of an experiment on {@code preflight.experiments}, keyed by experiment id, so a restarted gateway
 * rebuilds its experiments (the topic is compacted: the latest record of each is what survives). The returned
 * {@link Uni} completes once the broker acknowledged the record (acks=all, idempotent producer).
 */
@ApplicationScoped
public class ExperimentPublisher {

    private final MutinyEmitter<byte[]> out;

    public ExperimentPublisher(@Channel(Channels.EXPERIMENTS_OUT) MutinyEmitter<byte[]> out) {
        this.out = out;
    }

    public Uni<Void> publish(ExperimentRecord record) {
        return out.sendMessage(Keyed.message(record.experimentId(), Json.encode(record)));
    }
}
