package dev.preflight.gateway.model;

import dev.preflight.wire.RunSpec;

/**
 * Everything the gateway knows about one run. Fields the gateway has not learnt yet are null: {@code spec} and
 * {@code submittedAtMs} for a run only known from its events, the metric fields before the first step.
 *
 * @param step    last (highest) train step seen
 * @param message the failure reason or final detail from the trainer's last lifecycle event
 * @param worker  the trainer replica that took the run
 */
public record RunDetail(String runId, RunSpec spec, RunState state, Integer step, Double trainLoss, Integer valStep,
                        Double valLoss, Double valAccuracy, String message, String worker, Long submittedAtMs) {
}
