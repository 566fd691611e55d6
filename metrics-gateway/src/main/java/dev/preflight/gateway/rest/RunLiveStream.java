package dev.preflight.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.preflight.gateway.model.LiveVal;
import dev.preflight.gateway.model.RunHistory;
import dev.preflight.gateway.service.RunRecord;
import dev.preflight.gateway.service.RunStore;
import dev.preflight.wire.Json;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.jboss.logging.Logger;

/**
 * One client's server-sent-event stream of one run ({@code GET /api/runs/{id}/live}): the run's exact history so far,
 * then every step and lifecycle change as the gateway applies it. Events:
 * <ul>
 *   <li>{@value #TRAIN}: a {@link TrainStep} as received (loss, step, data wait and compute seconds, ...), one per
 *       train step;</li>
 *   <li>{@value #VAL}: a {@link LiveVal} per val step;</li>
 *   <li>{@value #STATE}: the run's detail (state, latest step and losses, message) at the start and after each
 *       lifecycle event.</li>
 * </ul>
 * A step applied while the history is being sent may arrive twice, with the same values: clients key points by step.
 * The stream stays open after the run ends (the last steps may follow the terminal event); clients close it once
 * they hold the steps the final state reports.
 */
final class RunLiveStream implements RunStore.RunFollower {

    static final String TRAIN = "train";
    static final String VAL = "val";
    static final String STATE = "state";
    private static final Logger LOG = Logger.getLogger(RunLiveStream.class);

    private final RunStore store;
    private final String runId;
    private final SseEventSink sink;
    private final Sse sse;
    private volatile boolean closed;

    RunLiveStream(RunStore store, String runId, SseEventSink sink, Sse sse) {
        this.store = store;
        this.runId = runId;
        this.sink = sink;
        this.sse = sse;
    }

    /**
     * Follows the run first, then sends what it holds, so no step falls between the two; live steps wait for the
     * history (this lock), so the client sees the history first, in step order.
     */
    void start(RunRecord run) {
        synchronized (this) {
            store.follow(runId, this);
            RunHistory history = run.history(null, null);
            history.train().forEach(t -> send(TRAIN, t));
            history.val().forEach(v -> send(VAL, LiveVal.of(v)));
            send(STATE, run.detail());
        }
    }

    @Override
    public synchronized void trainStep(TrainStep step) {
        send(TRAIN, step);
    }

    @Override
    public synchronized void valStep(ValStep step) {
        send(VAL, LiveVal.of(step));
    }

    @Override
    public synchronized void event(RunRecord run) {
        send(STATE, run.detail());
    }

    @Override
    public boolean closed() {
        return closed || sink.isClosed();
    }

    private void send(String name, Object data) {
        if (closed()) {
            close();
            return;
        }
        String json;
        try {
            json = Json.MAPPER.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            LOG.errorf(e, "cannot encode a %s event of run %s", name, runId);
            return;
        }
        sink.send(sse.newEventBuilder().name(name).data(String.class, json).build())
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        close();
                    }
                });
    }

    private void close() {
        closed = true;
        store.unfollow(runId, this);
        if (!sink.isClosed()) {
            sink.close();
        }
    }
}
