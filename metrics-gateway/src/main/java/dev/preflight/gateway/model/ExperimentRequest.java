package dev.preflight.gateway.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.wire.DataFaults;
import dev.preflight.wire.ModelConfig;

import java.util.List;

/**
 * {@code POST /api/experiments}: the recipe's ladder for one dataset and model, run by the gateway.
 *
 * @param stages        the stages to climb, in ladder order; default all
 * @param seed          split, data order and init seed; default 42
 * @param batchSize     batch size of the init-check and full-data runs; default 64
 * @param valFraction   share of each class held out; default 0.2
 * @param fullDataSteps steps of the full-data run; default 600
 * @param space         ablation search space (see the CLI's --space); default a small learning-rate and width search
 * @param faults        fault drills for the data path; default none
 */
public record ExperimentRequest(String dataset, ModelConfig model, List<String> stages, Long seed, Integer batchSize,
                                Double valFraction, Integer fullDataSteps, JsonNode space, DataFaults faults) {
}
