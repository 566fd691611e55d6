package dev.preflight.eval.messaging;

import dev.preflight.eval.service.LatestSnapshots;
import dev.preflight.wire.Channels;
import dev.preflight.wire.SnapshotCodec;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Weight snapshots from the trainers. Decoding happens here so a malformed record fails this method, is nacked and
 * goes to the dead-letter topic with the reason; evaluation happens on the {@link EvalWorker} thread.
 */
@ApplicationScoped
public class SnapshotConsumer {

    private final LatestSnapshots mailbox;

    public SnapshotConsumer(LatestSnapshots mailbox) {
        this.mailbox = mailbox;
    }

    @Incoming(Channels.SNAPSHOTS_IN)
    public void consume(byte[] payload) {
        mailbox.offer(SnapshotCodec.decode(payload));
    }
}
