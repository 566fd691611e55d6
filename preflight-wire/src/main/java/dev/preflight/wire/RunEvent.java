package dev.preflight.wire;

/**
 * A run's lifecycle: STARTED when a trainer takes it, then exactly one of FINISHED, FAILED or KILLED (a
 * {@link RunCommand} stopped it; the message says why). WARNING events may come in between (a model over the
 * early-stage parameter budget, a layer whose weights never move); they do not change the run's state. RESUMED when
 * another replica took over a run whose trainer stopped renewing its lease ({@link RunLease}): {@code worker} is the
 * new one, {@code previousWorker} the lost one, {@code step} the checkpoint's step it continues from (0: from the
 * start, no checkpoint yet). LOST (terminal, worker {@code metrics-gateway}) when the gateway saw no trainer renew the
 * run's lease for its {@code lost-after} setting: the trainer vanished and no replica took the run over.
 *
 * @param step           last completed step (0 for STARTED; the checkpoint's step for RESUMED; for LOST the last step
 *                       its holder reported in the lease)
 * @param message        human-readable detail: the failure reason, or the final loss
 * @param worker         which trainer replica ran it
 * @param previousWorker RESUMED only: the replica that lost the run; null otherwise (and left out of the JSON)
 * @param finish         FINISHED only (null otherwise, and for runs of older trainers): where the run left its final
 *                       checkpoint and, with early stopping, where it stopped and which weights it exported
 */
public record RunEvent(String runId, Type type, int step, String message, String worker, long atMs, String previousWorker,
                       Finish finish) {

    public enum Type { STARTED, WARNING, FINISHED, FAILED, KILLED, RESUMED, LOST }

    /**
     * How a run finished. A run stopped early is FINISHED (it did what was asked), not KILLED or FAILED.
     *
     * @param checkpointStep the step of the final checkpoint the trainer wrote before FINISHED (the run's last step),
     *                       from which {@code POST /api/runs/{id}/continue} goes on; null: none was written
     * @param stoppedEarlyAt the train step at which early stopping ended the run (below {@code spec.steps}); null: the
     *                       run trained every step
     * @param bestStep       early stopping only: the validated step with the lowest smoothed val loss, whose weights the
     *                       run exported (SavedModel, Keras files, per-sample predictions); null without early stopping
     * @param bestValLoss    the smoothed val loss at {@code bestStep} (mean of the early-stopping window up to it)
     */
    public record Finish(Integer checkpointStep, Integer stoppedEarlyAt, Integer bestStep, Double bestValLoss) {
    }

    public RunEvent(String runId, Type type, int step, String message, String worker, long atMs, String previousWorker) {
        this(runId, type, step, message, worker, atMs, previousWorker, null);
    }

    public RunEvent(String runId, Type type, int step, String message, String worker, long atMs) {
        this(runId, type, step, message, worker, atMs, null, null);
    }

    public static RunEvent decode(byte[] bytes) {
        RunEvent e = Json.decode(bytes, RunEvent.class);
        if (e.runId() == null || e.type() == null) {
            throw new WireFormatException("RunEvent needs a runId and a type");
        }
        return e;
    }

    public boolean terminal() {
        return type == Type.FINISHED || type == Type.FAILED || type == Type.KILLED || type == Type.LOST;
    }
}
