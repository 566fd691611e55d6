package dev.preflight.wire;

import java.util.List;

/**
 * What a continued run continues ({@code RunSpec.continueFrom}): "leave it training". The run is new (its own id,
 * batch topic, history and checkpoints) and starts from the final checkpoint of {@code runId}, taken at that run's
 * last step {@code step}: its train steps are numbered {@code step + 1 .. steps}, its data stream carries the batches
 * the source run would have read at those steps, and its learning rate follows the schedule over {@code steps}.
 * Made by the gateway's {@code POST /api/runs/{id}/continue} (CLI {@code preflight continue}).
 *
 * @param runId the finished run whose final checkpoint this run starts from
 * @param step  that checkpoint's step: the source run's last step (>= 1)
 */
public record Continuation(String runId, Integer step) {

    /** Adds each problem, naming the field under {@code prefix} (e.g. "continueFrom."), given the spec's steps. */
    public void validate(String prefix, Integer steps, List<String> problems) {
        if (runId == null || !RunIds.isValid(runId)) {
            problems.add(prefix + "runId must be a run id ([a-z0-9][a-z0-9-]{0,63}), was " + (runId == null ? "missing" : "'" + runId + "'"));
        }
        if (step == null || step < 1) {
            problems.add(prefix + "step must be >= 1 (the source run's last step), was " + step);
        } else if (steps != null && step >= steps) {
            problems.add(prefix + "step (" + step + ") must be below steps (" + steps + "): a continuation trains at least one more step");
        }
    }
}
