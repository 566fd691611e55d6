package dev.preflight.wire;

import java.util.List;

/**
 * A run option ({@code RunSpec.earlyStopping}): stop training once the smoothed val loss has not improved for
 * {@code patience} validated steps, and export the weights of the best smoothed val loss, not the last ones. The recipe
 * (Karpathy, "Regularize": "early stopping. Stop training based on your measured validation loss to catch your model
 * just as it's about to overfit") — the trainer applies it ({@code EarlyStopper}), because only the trainer holds the
 * weights of every validated step.
 *
 * <p>"Validated steps" are the steps the eval-service validated, i.e. every {@code snapshotEvery}-th train step:
 * with {@code snapshotEvery} 10 and patience 5 a run stops 50 train steps after its best smoothed val loss.
 *
 * @param patience validated steps without improvement after which the run stops (>= 1); default {@value #DEFAULT_PATIENCE}
 * @param minDelta how much (absolute, in loss units, >= 0) the smoothed val loss must fall below its best so far to
 *                 count as an improvement, as Keras' {@code EarlyStopping(min_delta)}; default 0
 * @param window   the smoothed val loss of a step is the mean of the last {@code window} validated val losses up to it
 *                 (>= 1; 1 = no smoothing); default {@value #DEFAULT_WINDOW}, the ladder's own smoothing of val points
 *                 (a fresh random val batch each time makes single points noisy)
 */
public record EarlyStopping(Integer patience, Double minDelta, Integer window) {

    public static final int DEFAULT_PATIENCE = 10;
    public static final int DEFAULT_WINDOW = 5;
    /** Largest window: far beyond any useful smoothing, small enough to keep in memory per run. */
    public static final int MAX_WINDOW = 1_000;

    public int patienceOrDefault() {
        return patience == null ? DEFAULT_PATIENCE : patience;
    }

    public double minDeltaOrDefault() {
        return minDelta == null ? 0.0 : minDelta;
    }

    public int windowOrDefault() {
        return window == null ? DEFAULT_WINDOW : window;
    }

    /** Adds each problem, naming the field under {@code prefix} (e.g. "earlyStopping."). */
    public void validate(String prefix, List<String> problems) {
        if (patience != null && (patience < 1 || patience > RunSpec.MAX_STEPS)) {
            problems.add(prefix + "patience must be in [1, " + RunSpec.MAX_STEPS + "] validated steps, was " + patience);
        }
        if (minDelta != null && !(minDelta >= 0 && Double.isFinite(minDelta))) {
            problems.add(prefix + "minDelta must be a finite number >= 0, was " + minDelta);
        }
        if (window != null && (window < 1 || window > MAX_WINDOW)) {
            problems.add(prefix + "window must be in [1, " + MAX_WINDOW + "] validated steps, was " + window);
        }
    }
}
