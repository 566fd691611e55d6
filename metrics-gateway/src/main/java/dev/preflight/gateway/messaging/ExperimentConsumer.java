package dev.preflight.gateway.messaging;

import dev.preflight.gateway.model.ExperimentRecord;
import dev.preflight.gateway.service.ExperimentService;
import dev.preflight.wire.Channels;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Rebuilds the experiments from {@code preflight.experiments} at every start (a fresh group reading from the
 * beginning, like the run history). A record that cannot be decoded fails, and the channel's dead-letter strategy
 * moves it to {@code preflight.dead-letters} with the reason.
 */
@ApplicationScoped
public class ExperimentConsumer {

    private final ExperimentService experiments;

    public ExperimentConsumer(ExperimentService experiments) {
        this.experiments = experiments;
    }

    // Short in-memory work (an orphan's INTERRUPTED record is sent without waiting), so on the consumer's own context.
    @Incoming(Channels.EXPERIMENTS_IN)
    @NonBlocking
    public void onExperiment(ConsumerRecord<String, byte[]> record) {
        try {
            experiments.restore(ExperimentRecord.decode(record.value()));
        } finally {
            // A malformed record (dead-lettered) still moves the replay on: the last one must not hold orphans unmarked.
            experiments.readUpTo(record.offset());
        }
    }
}
