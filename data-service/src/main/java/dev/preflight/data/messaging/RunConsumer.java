package dev.preflight.data.messaging;

import dev.preflight.wire.Channels;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSubmitted;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The service's two Kafka inputs. Decoding errors are not caught: the exception nacks the record and the channel's
 * dead-letter strategy forwards it to {@code preflight.dead-letters} with the message as {@code dead-letter-reason},
 * so a bad submission is visible and the channel keeps consuming.
 *
 * <p>Both are {@link Blocking}: starting a stream creates a topic through the admin client. Ordered (the default),
 * so a run's events are handled in the order they were published.
 */
@ApplicationScoped
public class RunConsumer {

    private final BatchStreamer streamer;

    @Inject
    public RunConsumer(BatchStreamer streamer) {
        this.streamer = streamer;
    }

    @Incoming(Channels.RUNS_IN)
    @Blocking
    public void onRun(byte[] payload) {
        streamer.start(RunSubmitted.decode(payload));
    }

    @Incoming(Channels.RUN_EVENTS_IN)
    @Blocking
    public void onRunEvent(byte[] payload) {
        streamer.onEvent(RunEvent.decode(payload));
    }
}
