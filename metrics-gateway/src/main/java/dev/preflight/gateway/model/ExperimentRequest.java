package dev.preflight.gateway.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.ladder.LadderOptions;
import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.Stages;
import dev.preflight.wire.DataFaults;
import dev.preflight.wire.ModelConfig;

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
 */
public record ExperimentRequest(String dataset, ModelConfig model, List<String> stages, Long seed, Integer batchSize,
                                Double valFraction, Integer fullDataSteps, JsonNode space, DataFaults faults) {

    /**
     * The ladder this request asks for: {@link LadderOptions#of} with what the request sets.
     *
     * @param space the parsed {@link #space} (null: the default search)
     * @throws IllegalArgumentException for an unknown stage name
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
        return space == null ? o : o.withStage(new Ablations(space));
    }
}
