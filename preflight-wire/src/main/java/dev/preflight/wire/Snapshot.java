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
 */
public record Snapshot(String runId, int step, RunSpec spec, int[] inputShape, int numClasses, List<NamedTensor> variables,
                       String task) {

    public Snapshot(String runId, int step, RunSpec spec, int[] inputShape, int numClasses, List<NamedTensor> variables) {
        this(runId, step, spec, inputShape, numClasses, variables, null);
    }

    public String taskOrDefault() {
        return task == null ? "CLASSIFICATION" : task;
    }
}
