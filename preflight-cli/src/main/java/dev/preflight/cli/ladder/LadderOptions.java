package dev.preflight.cli.ladder;

import dev.preflight.recipe.DataCheck;
import dev.preflight.recipe.FullData;
import dev.preflight.recipe.InitCheck;
import dev.preflight.recipe.OverfitFewSamples;
import dev.preflight.recipe.OverfitOneSample;
import dev.preflight.recipe.SpeedCheck;
import dev.preflight.wire.ModelConfig;

import java.time.Duration;
import java.util.List;

/**
 * One experiment: a dataset, a model, the stages to climb and every threshold (each documented on its stage class).
 *
 * @param fullDataSteps steps of the full-data run (and of its logistic-regression baseline)
 * @param batchSize     batch size of the init-check and full-data runs
 */
public record LadderOptions(String experiment, String dataset, ModelConfig model, long seed, double valFraction, int batchSize,
                            int fullDataSteps, List<String> stages, Duration runTimeout,
                            DataCheck.Thresholds dataCheck, InitCheck.Thresholds initCheck,
                            OverfitOneSample.Thresholds overfitOne, OverfitFewSamples.Thresholds overfitFew,
                            FullData.Thresholds fullData, SpeedCheck.Thresholds speed) {

    /** The ladder, in the recipe's order. */
    public static final List<String> STAGES = List.of(DataCheck.NAME, InitCheck.NAME, OverfitOneSample.NAME,
            OverfitFewSamples.NAME, FullData.NAME, SpeedCheck.NAME);

    public boolean wants(String stage) {
        return stages.contains(stage);
    }
}
