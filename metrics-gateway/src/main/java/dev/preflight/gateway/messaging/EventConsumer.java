package dev.preflight.gateway.messaging;

import dev.preflight.gateway.service.RunStore;
import dev.preflight.gateway.tensorboard.TensorBoardExporter;
import dev.preflight.wire.Channels;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.SamplePredictions;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import dev.preflight.wire.WireFormatException;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.jboss.logging.Logger;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Feeds the store from the five topics the gateway follows. Each record is decoded strictly; a decoding failure
 * propagates, which nacks the message, and the channel's dead-letter strategy moves it to
 * {@code preflight.dead-letters} with the reason, so one bad record neither stops consumption nor is silently lost.
 *
 * <p>{@code @NonBlocking}: Quarkus would treat these void signatures as blocking and hop to a worker thread per
 * record, but the store only does short in-memory work, so they run on the consumers' own event-loop contexts.
 */
@ApplicationScoped
public class EventConsumer {

    private static final Logger LOG = Logger.getLogger(EventConsumer.class);

    private final RunStore store;
    private final TensorBoardExporter tensorboard;
    private final DeadLetterPublisher deadLetters;

    public EventConsumer(RunStore store, TensorBoardExporter tensorboard, DeadLetterPublisher deadLetters) {
        this.store = store;
        this.tensorboard = tensorboard;
        this.deadLetters = deadLetters;
    }

    /** Submissions, including other replicas' and those made before this gateway started. */
    @Incoming(Channels.RUNS_IN)
    @NonBlocking
    public void onRunSubmitted(byte[] value) {
        store.submitted(RunSubmitted.decode(value));
    }

    /**
     * Train steps are the bulk of the traffic (one per batch of every run), so they are consumed a poll at a time:
     * per-record channel overhead would otherwise cap ingestion well below what the store takes. A record that fails
     * is dead-lettered on its own and the rest of the batch is applied.
     */
    @Incoming(Channels.TRAIN_METRICS_IN)
    @NonBlocking
    public void onTrainSteps(ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                onTrainStep(record.value());
            } catch (RuntimeException e) {
                deadLetters.send(record, e).subscribe().with(ok -> { },
                        failure -> LOG.errorf(failure, "could not dead-letter %s-%d@%d", record.topic(), record.partition(), record.offset()));
            }
        }
    }

    /** One train step, as {@link #onTrainSteps} applies it; throws on a record that must be dead-lettered. */
    public void onTrainStep(byte[] value) {
        TrainStep step = TrainStep.decode(value);
        requireRunId(step.runId());
        // A redelivered step is already in the event file: only new steps are exported.
        if (store.trainStep(step)) {
            tensorboard.trainStep(step);
        }
    }

    @Incoming(Channels.VAL_METRICS_IN)
    @NonBlocking
    public void onValStep(byte[] value) {
        ValStep step = ValStep.decode(value);
        requireRunId(step.runId());
        if (store.valStep(step)) {
            tensorboard.valStep(step);
        }
    }

    /** One chunk of a run's per-sample predictions; the store joins the chunks of a split. */
    @Incoming(Channels.SAMPLE_PREDICTIONS_IN)
    @NonBlocking
    public void onSamplePredictions(byte[] value) {
        store.samplePredictions(SamplePredictions.decode(value));
    }

    @Incoming(Channels.RUN_EVENTS_IN)
    @NonBlocking
    public void onRunEvent(byte[] value) {
        RunEvent event = RunEvent.decode(value);
        requireRunId(event.runId());
        store.event(event);
        tensorboard.event(event);
    }

    /**
     * Run ids become URL segments and Prometheus label values; a malformed one would create a run that can never be
     * addressed, so it is a wire-format error like any other.
     */
    private static void requireRunId(String runId) {
        if (!RunIds.isValid(runId)) {
            throw new WireFormatException("malformed runId '" + runId + "'");
        }
    }
}
