package dev.preflight.wire;

/**
 * The eval-service is done with a snapshot of a run and ready for the next one, on {@link Topics#EVAL_READY}. The trainer
 * paces its snapshots by these: it keeps at most a few unvalidated snapshots of a run in flight and publishes the next
 * one only when the eval-service reports one done, so weights are never published more often than they can be
 * validated (docs/ARCHITECTURE.md, "Snapshots on demand").
 *
 * @param step      the train step of the snapshot the eval-service finished (0 = the initial weights); it also
 *                  settles every earlier snapshot of the run (those the eval-service's mailbox replaced by this one)
 * @param validated true when a {@link ValStep} for {@code step} was published; false when the evaluation failed (the
 *                  eval-service is ready for the next snapshot all the same)
 * @param atMs      the eval-service's clock when it finished (informational)
 * @param valLoss   the val loss of the {@link ValStep} published for {@code step}; null when not validated. The trainer
 *                  stops runs early by it ({@link EarlyStopping}): with the report it already waits for, no other topic
 */
public record EvalReady(String runId, int step, boolean validated, long atMs, Double valLoss) {

    public EvalReady(String runId, int step, boolean validated, long atMs) {
        this(runId, step, validated, atMs, null);
    }

    public static EvalReady decode(byte[] bytes) {
        EvalReady r = Json.decode(bytes, EvalReady.class);
        if (r.runId() == null || !RunIds.isValid(r.runId()) || r.step() < 0) {
            throw new WireFormatException("EvalReady needs a valid runId and a step >= 0");
        }
        return r;
    }
}
