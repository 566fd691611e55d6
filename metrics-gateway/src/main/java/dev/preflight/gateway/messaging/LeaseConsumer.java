package dev.preflight.gateway.messaging;

import dev.preflight.gateway.service.LostRuns;
import dev.preflight.wire.Channels;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunLease;
import dev.preflight.wire.WireFormatException;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Follows the trainers' leases on {@code preflight.leases} (a fresh group from the beginning at every start): each
 * record is a sign of life of the run's holder, a tombstone its release. A malformed record fails and is
 * dead-lettered with the reason by the channel's strategy.
 */
@ApplicationScoped
public class LeaseConsumer {

    private final LostRuns lostRuns;

    public LeaseConsumer(LostRuns lostRuns) {
        this.lostRuns = lostRuns;
    }

    @Incoming(Channels.LEASES_IN)
    @NonBlocking
    public void onLease(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            if (!RunIds.isValid(record.key())) {
                throw new WireFormatException("lease tombstone with a malformed run id key '" + record.key() + "'");
            }
            lostRuns.released(record.key());
        } else {
            lostRuns.renewed(RunLease.decode(record.value()));
        }
    }
}
