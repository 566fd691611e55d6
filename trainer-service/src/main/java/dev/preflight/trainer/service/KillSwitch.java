package dev.preflight.trainer.service;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Kill orders by run id, as read from the control topic. Remembered even for runs this replica is not training
 * (yet): a run killed while it waits in the queue is ended as soon as a trainer takes it.
 */
@ApplicationScoped
public class KillSwitch {

    private static final int REMEMBERED = 10_000;

    private final Map<String, String> reasons = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED;
        }
    });

    public void kill(String runId, String reason) {
        reasons.put(runId, reason == null || reason.isBlank() ? "killed" : reason);
    }

    /** Why the run was killed, or null if it was not. */
    public String reason(String runId) {
        return reasons.get(runId);
    }

    /** A resumed run starts with a clean slate: the kill that stopped it is consumed. */
    public void clear(String runId) {
        reasons.remove(runId);
    }
}
