package dev.preflight.trainer.service;

import dev.preflight.wire.RunEvent;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stop orders by run id, as read from the control topic: a kill (the run ends KILLED) or a refusal by another service
 * (the run ends FAILED with that service's reason). Remembered even for runs this replica is not training (yet): a run
 * stopped while it waits in the queue is ended as soon as a trainer takes it.
 */
@ApplicationScoped
public class KillSwitch {

    private static final int REMEMBERED = 10_000;

    /** How the run is to end, and why. */
    private record Stop(RunEvent.Type outcome, String reason) {
    }

    private final Map<String, Stop> stops = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Stop> eldest) {
            return size() > REMEMBERED;
        }
    });

    public void kill(String runId, String reason) {
        stops.put(runId, new Stop(RunEvent.Type.KILLED, reason == null || reason.isBlank() ? "killed" : reason));
    }

    /** Another service refused the run: it ends FAILED with {@code reason}. */
    public void fail(String runId, String reason) {
        stops.put(runId, new Stop(RunEvent.Type.FAILED, reason == null || reason.isBlank() ? "refused by another service" : reason));
    }

    /** Why the run was stopped, or null if it was not. */
    public String reason(String runId) {
        Stop stop = stops.get(runId);
        return stop == null ? null : stop.reason();
    }

    /** KILLED for a kill, FAILED for a refusal; KILLED when the run was not stopped at all. */
    public RunEvent.Type outcome(String runId) {
        Stop stop = stops.get(runId);
        return stop == null ? RunEvent.Type.KILLED : stop.outcome();
    }

    /** A resumed run starts with a clean slate: the kill that stopped it is consumed. */
    public void clear(String runId) {
        stops.remove(runId);
    }
}
