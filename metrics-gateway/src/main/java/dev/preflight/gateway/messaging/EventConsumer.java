package dev.preflight.gateway.messaging;

import dev.preflight.gateway.service.RunStore;
import dev.preflight.wire.Channels;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import dev.preflight.wire.WireFormatException;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Feeds the store from the four topics the gateway follows. Each record is decoded strictly; a decoding failure
 * propagates, which nacks the message, and the channel's dead-letter strategy moves it to
 * {@code preflight.dead-letters} with the reason, so one bad record neither stops consumption nor is silently lost.
 *
 * <p>{@code @NonBlocking}: Quarkus would treat these void signatures as blocking and hop to a worker thread per
 * record, but the store only does short in-memory work, so they run on the consumers' own event-loop contexts.
 */
@ApplicationScoped
public class EventConsumer {

    private final RunStore store;

    public EventConsumer(RunStore store) {
        this.store = store;
    }

    /** Submissions, including other replicas' and those made before this gateway started. */
    @Incoming(Channels.RUNS_IN)
    @NonBlocking
    public void onRunSubmitted(byte[] value) {
        store.submitted(RunSubmitted.decode(value));
    }

    @Incoming(Channels.TRAIN_METRICS_IN)
    @NonBlocking
    public void onTrainStep(byte[] value) {
        TrainStep step = TrainStep.decode(value);
        requireRunId(step.runId());
        store.trainStep(step);
    }

    @Incoming(Channels.VAL_METRICS_IN)
    @NonBlocking
    public void onValStep(byte[] value) {
        ValStep step = ValStep.decode(value);
        requireRunId(step.runId());
        store.valStep(step);
    }

    @Incoming(Channels.RUN_EVENTS_IN)
    @NonBlocking
    public void onRunEvent(byte[] value) {
        RunEvent event = RunEvent.decode(value);
        requireRunId(event.runId());
        store.event(event);
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
