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

    /** Models kept built (one per run being validated); the least recently used is closed beyond this. */
    @WithName("model-cache-size")
    @WithDefault("8")
    int modelCacheSize();
}
