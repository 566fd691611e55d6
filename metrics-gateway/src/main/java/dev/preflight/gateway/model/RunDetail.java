package dev.preflight.gateway.model;

import dev.preflight.wire.RunSpec;

/**
 * Everything the gateway knows about one run. Fields the gateway has not learnt yet are null: {@code spec} and
 * {@code submittedAtMs} for a run only known from its events, the metric fields before the first step.
 *
 * @param step    last (highest) train step seen
 * @param message the failure reason or final detail from the trainer's last lifecycle event
 * @param worker  the trainer replica that took the run
 * @param checkpointStep FINISHED: the step of the run's final checkpoint ({@code POST /api/runs/{id}/continue} goes on
 *                       from it); null otherwise, or when the trainer wrote none
 * @param stoppedEarlyAt FINISHED by early stopping: the train step at which it stopped; null otherwise
 * @param bestStep       FINISHED with early stopping: the validated step whose weights the run exported
 * @param bestValLoss    the smoothed val loss at {@code bestStep}
 */
public record RunDetail(String runId, RunSpec spec, RunState state, Integer step, Double trainLoss, Integer valStep,
                        Double valLoss, Double valAccuracy, String message, String worker, Long submittedAtMs,
                        Integer checkpointStep, Integer stoppedEarlyAt, Integer bestStep, Double bestValLoss) {
}
