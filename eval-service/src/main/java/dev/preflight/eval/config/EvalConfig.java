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
}
