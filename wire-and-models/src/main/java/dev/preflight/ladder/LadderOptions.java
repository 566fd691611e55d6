package dev.preflight.ladder;

import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.DataCheck;
import dev.preflight.recipe.FullData;
import dev.preflight.recipe.InitCheck;
import dev.preflight.recipe.OverfitFewSamples;
import dev.preflight.recipe.OverfitOneSample;
import dev.preflight.recipe.SpeedCheck;
import dev.preflight.wire.DataFaults;
import dev.preflight.wire.ModelConfig;

import java.time.Duration;
import java.util.List;

/**
 * One experiment: a dataset, a model, the stages to climb and every threshold (each documented on its stage class).
 *
 * @param fullDataSteps steps of the full-data run (and of its logistic-regression baseline)
 * @param batchSize     batch size of the init-check and full-data runs
 * @param faults        fault drills for the data path (null: none); see {@link DataFaults}
 */
public record LadderOptions(String experiment, String dataset, ModelConfig model, long seed, double valFraction, int batchSize,
                            int fullDataSteps, List<String> stages, Duration runTimeout, DataFaults faults,
                            DataCheck.Thresholds dataCheck, InitCheck.Thresholds initCheck,
                            OverfitOneSample.Thresholds overfitOne, OverfitFewSamples.Thresholds overfitFew,
                            FullData.Thresholds fullData, SpeedCheck.Thresholds speed, Ablations.Space ablations) {

    /** The ladder, in the recipe's order. */
    public static final List<String> STAGES = List.of(DataCheck.NAME, InitCheck.NAME, OverfitOneSample.NAME,
            OverfitFewSamples.NAME, FullData.NAME, SpeedCheck.NAME, Ablations.NAME);

    /**
     * The search when none is declared: learning rate (log-uniform around Adam's usual 1e-3) and dense-head width,
     * 4 trials of 200 steps, ASHA at steps 30 and 100, the best 2 over 2 more seeds. Small enough for a laptop demo.
     */
    public static Ablations.Space defaultSpace() {
        try {
            return Ablations.Space.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                    {"trials": 4, "steps": 200, "rungs": [30, 100], "eta": 2, "warmup": 30, "top": 2, "seeds": 2,
                     "parameters": {"learningRate": {"logUniform": [3e-4, 3e-3]}, "hiddenUnits": {"choice": [[32], [64], [128]]}}}"""));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean wants(String stage) {
        return stages.contains(stage);
    }
}
