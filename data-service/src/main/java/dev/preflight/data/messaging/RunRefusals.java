package dev.preflight.data.messaging;

import dev.preflight.wire.Channels;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunCommand;
import dev.preflight.wire.RunEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * Ends a run this service cannot stream, at once and with the reason, instead of leaving it to the trainer's batch
 * timeout ("no batch ... for 120 s", which names nothing):
 * <ol>
 *   <li>a {@link RunEvent} FAILED on {@code preflight.run-events} (worker {@value #WORKER}): the gateway shows the run
 *       FAILED with this reason, the ladder and CLI stop following it;</li>
 *   <li>a {@link RunCommand} FAIL on {@code preflight.control}: the trainer holding the run (or the one that takes it
 *       later from the queue) stops waiting for batches and ends it FAILED with the same reason.</li>
 * </ol>
 * Both keyed by run id, sent with acks=all and awaited, so they are on Kafka before the submission is dead-lettered.
 */
@ApplicationScoped
public class RunRefusals {

    private static final Logger LOG = Logger.getLogger(RunRefusals.class);
    /** The {@code worker} of the FAILED event: who ended the run. */
    public static final String WORKER = "data-service";
    private static final Duration ACK_WAIT = Duration.ofSeconds(30);

    private final MutinyEmitter<byte[]> events;
    private final MutinyEmitter<byte[]> control;

    public RunRefusals(@Channel(Channels.RUN_EVENTS_OUT) MutinyEmitter<byte[]> events,
                       @Channel(Channels.CONTROL_OUT) MutinyEmitter<byte[]> control) {
        this.events = events;
        this.control = control;
    }

    /** The message the user reads: which service ended the run, and why. */
    public static String reason(String problem) {
        return "the data-service cannot stream this run: " + problem;
    }

    /**
     * Publishes the run's end. Never throws: the caller goes on to dead-letter the submission either way, and a broker
     * that cannot take these records leaves the run to the trainer's batch timeout, as before (logged).
     *
     * @param step the last batch the run got (0 when refused before streaming)
     */
    public void refuse(String runId, int step, String problem) {
        String reason = reason(problem);
        long now = System.currentTimeMillis();
        try {
            events.sendMessage(keyed(runId, Json.encode(new RunEvent(runId, RunEvent.Type.FAILED, step, reason, WORKER, now))))
                    .await().atMost(ACK_WAIT);
            control.sendMessage(keyed(runId, Json.encode(new RunCommand(runId, RunCommand.Type.FAIL, reason, now))))
                    .await().atMost(ACK_WAIT);
            LOG.infof("run %s ended FAILED: %s", runId, reason);
        } catch (RuntimeException e) {
            LOG.errorf(e, "run %s: could not publish its end (%s); it fails at the trainer's batch timeout instead", runId, reason);
        }
    }

    private static Message<byte[]> keyed(String runId, byte[] value) {
        return Message.of(value).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(runId).build());
    }
}
