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

    /**
     * TensorFlow intra-op threads per model. Unset or 0: every core this JVM may use ({@code availableProcessors()},
     * a container's CPU limit), right for an eval-service with a machine or pod of its own. On a machine shared with
     * a trainer, give each its share (docs/performance.md); {@code preflight demo}/{@code bench} set it.
     */
    @WithName("tf-threads")
    java.util.OptionalInt tfThreads();

    /** TensorFlow inter-op threads per model: a forward pass is one chain of ops, so 1. */
    @WithName("tf-inter-op-threads")
    @WithDefault("1")
    int tfInterOpThreads();

    /**
     * Whether TensorFlow's idle pool threads busy-wait for the next op: off, so a validating eval-service does not
     * burn the cores a trainer beside it needs (docs/performance.md).
     */
    @WithName("tf-thread-spinning")
    @WithDefault("false")
    boolean tfThreadSpinning();

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
