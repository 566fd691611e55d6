package dev.preflight.eval.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Evaluation settings ({@code preflight.eval.*}). */
@ConfigMapping(prefix = "preflight.eval")
public interface EvalConfig {

    /** Samples in the random val batch drawn for every evaluated snapshot. */
    @WithName("val-batch-size")
    @WithDefault("64")
    int valBatchSize();

    /** TensorFlow intra-op threads per model: a val forward pass is small; more threads only contend with training. */
    @WithName("tf-threads")
    @WithDefault("1")
    int tfThreads();

    /** Models kept built (one per run being validated); the least recently used is closed beyond this. */
    @WithName("model-cache-size")
    @WithDefault("8")
    int modelCacheSize();

    /**
     * The run's fixed val batch (the same samples for the whole run: Karpathy's "visualize prediction dynamics on a
     * fixed test batch") is evaluated at step 0, at the run's last step, and at the first evaluated snapshot at or
     * after every multiple of this many steps. "At or after" because the mailbox may skip the snapshot of the exact
     * multiple when validation is slower than training; counting in steps rather than in evaluated snapshots keeps the
     * points evenly spread over training whatever the evaluation speed. At least 1 (1 = every evaluated snapshot).
     */
    @WithName("fixed-batch-every")
    @WithDefault("10")
    int fixedBatchEvery();

    /**
     * Samples in the fixed val batch. Small on purpose: its predictions travel in the ValStep, per pixel for
     * segmentation (16 x 28 x 28 = 12,544 classes).
     */
    @WithName("fixed-batch-size")
    @WithDefault("16")
    int fixedBatchSize();
}
