package dev.preflight.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * What a user submits: dataset + data config + model config + number of steps.
 *
 * @param dataset       registered dataset name, e.g. "shapes" (built in)
 * @param snapshotEvery publish weights for validation every this many steps; null means every step
 */
public record RunSpec(String dataset, DataConfig data, ModelConfig model, Integer steps, Integer snapshotEvery) {

    public static final int MAX_STEPS = 1_000_000;

    /** Every problem with this spec, each naming its field; empty when valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (dataset == null || dataset.isBlank()) {
            problems.add("dataset is required");
        }
        if (data == null) {
            problems.add("data is required");
        } else {
            data.validate("data.", problems);
        }
        if (model == null) {
            problems.add("model is required");
        } else {
            model.validate("model.", problems);
        }
        if (steps == null) {
            problems.add("steps is required");
        } else if (steps < 1 || steps > MAX_STEPS) {
            problems.add("steps must be in [1, " + MAX_STEPS + "], was " + steps);
        }
        if (snapshotEvery != null && snapshotEvery < 1) {
            problems.add("snapshotEvery must be >= 1, was " + snapshotEvery);
        }
        return problems;
    }

    public void requireValid() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new WireFormatException("invalid run spec: " + String.join("; ", problems));
        }
    }

    public int snapshotInterval() {
        return snapshotEvery == null ? 1 : snapshotEvery;
    }
}
