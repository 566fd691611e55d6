package dev.preflight.wire;

import java.util.List;

/**
 * The weights after train step {@code step}: what the eval-service needs to rebuild and evaluate the model. Variables
 * travel as raw floats (not a SavedModel per step) because a snapshot is sent as often as every step.
 *
 * @param spec       the run's spec, so the eval-service can build the same model and fetch the right val batch
 * @param inputShape per-sample input shape the model was built for
 * @param numClasses classes, or the output width of a regression model
 * @param task       CLASSIFICATION, SEGMENTATION or REGRESSION (null = CLASSIFICATION)
 * @param last       the weights after the run's last train step (the eval-service adds the input-independent
 *                   baseline and never drops it from its mailbox); null: {@code step == spec.steps} (a run that
 *                   stopped early ends before its spec's steps, so its trainer says so)
 * @param exported   the weights the run exports (SavedModel, per-sample predictions: the eval-service computes them
 *                   from this snapshot); null: the same as {@link #isLast()}. With early stopping the best validated
 *                   step's weights, re-sent after the last ones under their own step
 */
public record Snapshot(String runId, int step, RunSpec spec, int[] inputShape, int numClasses, List<NamedTensor> variables,
                       String task, Boolean last, Boolean exported) {

    public Snapshot(String runId, int step, RunSpec spec, int[] inputShape, int numClasses, List<NamedTensor> variables,
                    String task) {
        this(runId, step, spec, inputShape, numClasses, variables, task, null, null);
    }

    public Snapshot(String runId, int step, RunSpec spec, int[] inputShape, int numClasses, List<NamedTensor> variables) {
        this(runId, step, spec, inputShape, numClasses, variables, null);
    }

    /** The same weights marked as the run's last ({@code last}) and/or exported ones. */
    public Snapshot marked(Boolean last, Boolean exported) {
        return new Snapshot(runId, step, spec, inputShape, numClasses, variables, task, last, exported);
    }

    /** Whether these are the weights after the run's last train step. */
    public boolean isLast() {
        return last != null ? last : spec != null && spec.steps() != null && step == spec.steps();
    }

    /** Whether these are the weights the run exports (per-sample predictions are computed from them). */
    public boolean isExported() {
        return exported != null ? exported : isLast();
    }

    public String taskOrDefault() {
        return task == null ? "CLASSIFICATION" : task;
    }
}
