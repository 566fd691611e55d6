package dev.preflight.data.messaging;

import dev.preflight.wire.Channels;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSubmitted;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The service's two Kafka inputs. Errors are not swallowed: the exception nacks the record and the channel's
 * dead-letter strategy forwards it to {@code preflight.dead-letters} with the message as {@code dead-letter-reason},
 * so a bad submission is visible and the channel keeps consuming.
 *
 * <p>A submission that decodes but cannot be streamed (unknown dataset, a subset larger than the train split, ...) is
 * also ended at once through {@link RunRefusals}: FAILED with the reason, and a FAIL command that stops the trainer
 * waiting for its batches. One that does not decode is only dead-lettered: the gateway never accepts such a run.
 *
 * <p>Both are {@link Blocking}: starting a stream creates a topic through the admin client. Ordered (the default),
 * so a run's events are handled in the order they were published.
 */
@ApplicationScoped
public class RunConsumer {

    private final BatchStreamer streamer;
    private final RunRefusals refusals;
    private final DatasetLog datasetLog;

    @Inject
    public RunConsumer(BatchStreamer streamer, RunRefusals refusals, DatasetLog datasetLog) {
        this.datasetLog = datasetLog;
        this.streamer = streamer;
        this.refusals = refusals;
    }

    /**
     * The record, not only its value: the partition it came from decides which replica owns the run's stream (the
     * one the group gives that partition; {@link RunPartitions}).
     */
    @Incoming(Channels.RUNS_IN)
    @Blocking
    public void onRun(ConsumerRecord<String, byte[]> record) throws InterruptedException {
        RunSubmitted run = RunSubmitted.decode(record.value());
        // A dataset registered before this replica started must be known before the run is judged streamable.
        datasetLog.awaitReplayed();
        try {
            streamer.start(run, record.partition());
        } catch (RuntimeException e) {
            refusals.refuse(run.runId(), 0, e.getMessage());
            throw e;
        }
    }

    /**
     * Every submission, on every replica (a group of its own): a run's preview is answered by whichever replica the
     * request reaches, not only by the one streaming it. A record that does not decode is left to {@code runs-in},
     * which dead-letters it once, with the reason.
     */
    @Incoming(Channels.RUNS_SEEN_IN)
    @Blocking
    public void onRunSeen(byte[] payload) {
        RunSubmitted run;
        try {
            run = RunSubmitted.decode(payload);
        } catch (RuntimeException e) {
            return;
        }
        streamer.remember(run);
    }

    @Incoming(Channels.RUN_EVENTS_IN)
    @Blocking
    public void onRunEvent(byte[] payload) {
        streamer.onEvent(RunEvent.decode(payload));
    }
}
