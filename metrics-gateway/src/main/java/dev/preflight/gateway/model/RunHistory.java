package dev.preflight.gateway.model;

import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import java.util.List;

/** The exact per-step record of a run, each list in ascending step order with every step once. */
public record RunHistory(String runId, List<TrainStep> train, List<ValStep> val) {
}
