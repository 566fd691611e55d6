package dev.preflight.gateway.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.ladder.LadderOptions;
import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.Ensemble;
import dev.preflight.recipe.Stages;
import dev.preflight.wire.DataFaults;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /api/experiments}: the recipe's ladder for one dataset and model, run by the gateway.
 *
 * @param stages        the stages to climb, in ladder order; default all
 * @param seed          split, data order and init seed; default {@value LadderOptions#DEFAULT_SEED}
 * @param batchSize     batch size of the init-check and full-data runs; default {@value LadderOptions#DEFAULT_BATCH_SIZE}
 * @param valFraction   share of each class held out; default {@value LadderOptions#DEFAULT_VAL_FRACTION}
 * @param fullDataSteps steps of the full-data run; default {@value LadderOptions#DEFAULT_FULL_DATA_STEPS}
 * @param space         ablation search space (see the CLI's --space); default a small learning-rate and width search
 * @param faults        fault drills for the data path; default none
 * @param patience      early stopping of the full-data run and of every ablation trial, as the CLI's {@code --patience}:
 *                      stop once the mean of the last 5 val losses has not improved for this many validated steps and
 *                      export the best weights; in [0, {@value RunSpec#MAX_STEPS}], 0 = off; default
 *                      {@value LadderOptions#DEFAULT_PATIENCE} ({@link LadderOptions#DEFAULT_EARLY_STOPPING})
 * @param ensembleTop   K of the {@code ensemble} stage, as the CLI's {@code --ensemble-top}: how many of the best ablation
 *                      trials it averages; at least {@value Ensemble#MIN_TOP_K}; default {@value Ensemble#DEFAULT_TOP_K}.
 *                      Only matters when {@code stages} names {@code ensemble} (an opt-in stage)
 */
public record ExperimentRequest(String dataset, ModelConfig model, List<String> stages, Long seed, Integer batchSize,
                                Double valFraction, Integer fullDataSteps, JsonNode space, DataFaults faults,
                                @Schema(description = "Early stopping of the full-data run and of every ablation trial (CLI "
                                        + "--patience): stop once the mean of the last 5 val losses has not improved for this many "
                                        + "validated steps, and export the best weights. 0 turns it off.",
                                        minimum = "0", maximum = "" + RunSpec.MAX_STEPS, defaultValue = "" + LadderOptions.DEFAULT_PATIENCE)
                                Integer patience,
                                @Schema(description = "How many of the best ablation trials the ensemble stage averages (CLI "
                                        + "--ensemble-top); only matters when stages names the opt-in stage 'ensemble'.",
                                        minimum = "" + Ensemble.MIN_TOP_K, defaultValue = "" + Ensemble.DEFAULT_TOP_K)
                                Integer ensembleTop) {

    /**
     * Every problem with {@link #patience} and {@link #ensembleTop}, each naming its field and the allowed range (the
     * CLI's own checks: {@link LadderOptions#earlyStoppingAfter}, {@link Ensemble#ofTopK}).
     */
    public List<String> optionProblems() {
        List<String> problems = new ArrayList<>();
        if (patience != null) {
            try {
                LadderOptions.earlyStoppingAfter(patience);
            } catch (IllegalArgumentException e) {
                problems.add("patience " + e.getMessage());
            }
        }
        if (ensembleTop != null) {
            try {
                Ensemble.ofTopK(ensembleTop);
            } catch (IllegalArgumentException e) {
                problems.add("ensembleTop: " + e.getMessage());
            }
        }
        return problems;
    }

    /**
     * The ladder this request asks for: {@link LadderOptions#of} with what the request sets.
     *
     * @param space the parsed {@link #space} (null: the default search)
     * @throws IllegalArgumentException for an unknown stage name, or a {@link #optionProblems() bad option}
     */
    public LadderOptions options(String experimentId, Ablations.Space space) {
        LadderOptions o = LadderOptions.of(experimentId, dataset, model).withStages(Stages.named(stages)).withFaults(faults);
        if (seed != null) {
            o = o.withSeed(seed);
        }
        if (batchSize != null) {
            o = o.withBatchSize(batchSize);
        }
        if (valFraction != null) {
            o = o.withValFraction(valFraction);
        }
        if (fullDataSteps != null) {
            o = o.withFullDataSteps(fullDataSteps);
        }
        if (patience != null) {
            o = o.withEarlyStopping(LadderOptions.earlyStoppingAfter(patience));
        }
        if (ensembleTop != null) {
            o = o.withStage(Ensemble.ofTopK(ensembleTop)); // a no-op unless the ensemble stage climbs
        }
        return space == null ? o : o.withStage(new Ablations(space));
    }
}
