package dev.preflight.gateway.model;

/**
 * One line of the run list: enough to spot a run that is stuck or diverging without fetching its detail.
 *
 * @param model model type from the spec, null while the spec is unknown
 * @param steps planned number of steps from the spec, null while the spec is unknown
 * @param step       last (highest) train step seen
 * @param experiment the experiment the run belongs to (a ladder's), null for a run submitted on its own
 * @param stage      the recipe stage it serves ("full-data", "ablations"), null when none
 */
public record RunSummary(String runId, RunState state, String model, Integer steps, Integer step, Double trainLoss,
                         Double valLoss, Double valAccuracy, Long submittedAtMs, String experiment, String stage) {
}
