package dev.preflight.ladder;

import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.DataCheck;
import dev.preflight.recipe.FullData;
import dev.preflight.recipe.InitCheck;
import dev.preflight.recipe.OverfitFewSamples;
import dev.preflight.recipe.OverfitOneSample;
import dev.preflight.recipe.SpeedCheck;
import dev.preflight.wire.Augmentation;
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
 * @param balance       class balancing of the train stream from init-check on (none, weights, sampling; null: none).
 *                      The overfit stages never balance: they must see the samples they are given
 * @param augment       train-only augmentation of the full-data, speed and ablation runs (null: none). Never in the
 *                      overfit stages, which the recipe runs without regularisation ("turn off data augmentation")
 */
public record LadderOptions(String experiment, String dataset, ModelConfig model, long seed, double valFraction, int batchSize,
                            int fullDataSteps, List<String> stages, Duration runTimeout, DataFaults faults,
                            DataCheck.Thresholds dataCheck, InitCheck.Thresholds initCheck,
                            OverfitOneSample.Thresholds overfitOne, OverfitFewSamples.Thresholds overfitFew,
                            FullData.Thresholds fullData, SpeedCheck.Thresholds speed, Ablations.Space ablations,
                            String balance, Augmentation augment) {

    /** Without balancing or augmentation. */
    public LadderOptions(String experiment, String dataset, ModelConfig model, long seed, double valFraction, int batchSize,
                         int fullDataSteps, List<String> stages, Duration runTimeout, DataFaults faults,
                         DataCheck.Thresholds dataCheck, InitCheck.Thresholds initCheck,
                         OverfitOneSample.Thresholds overfitOne, OverfitFewSamples.Thresholds overfitFew,
                         FullData.Thresholds fullData, SpeedCheck.Thresholds speed, Ablations.Space ablations) {
        this(experiment, dataset, model, seed, valFraction, batchSize, fullDataSteps, stages, runTimeout, faults, dataCheck,
                initCheck, overfitOne, overfitFew, fullData, speed, ablations, null, null);
    }

    /** The same experiment on another dataset name (e.g. the name a dataset path was registered under). */
    public LadderOptions withDataset(String name) {
        return new LadderOptions(experiment, name, model, seed, valFraction, batchSize, fullDataSteps, stages, runTimeout, faults,
                dataCheck, initCheck, overfitOne, overfitFew, fullData, speed, ablations, balance, augment);
    }

    /** The same experiment with class balancing and train-only augmentation (either may be null: off). */
    public LadderOptions withTraining(String balanceMode, Augmentation augmentation) {
        return new LadderOptions(experiment, dataset, model, seed, valFraction, batchSize, fullDataSteps, stages, runTimeout, faults,
                dataCheck, initCheck, overfitOne, overfitFew, fullData, speed, ablations, balanceMode, augmentation);
    }

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
