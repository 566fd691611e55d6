package dev.preflight.data.messaging;

import dev.preflight.wire.Channels;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSubmitted;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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

    @Inject
    public RunConsumer(BatchStreamer streamer, RunRefusals refusals) {
        this.streamer = streamer;
        this.refusals = refusals;
    }

    @Incoming(Channels.RUNS_IN)
    @Blocking
    public void onRun(byte[] payload) {
        RunSubmitted run = RunSubmitted.decode(payload);
        try {
            streamer.start(run);
        } catch (RuntimeException e) {
            refusals.refuse(run.runId(), 0, e.getMessage());
            throw e;
        }
    }

    @Incoming(Channels.RUN_EVENTS_IN)
    @Blocking
    public void onRunEvent(byte[] payload) {
        streamer.onEvent(RunEvent.decode(payload));
    }
}
