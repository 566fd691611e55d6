package dev.preflight.gateway.model;

import dev.preflight.wire.ValStep;

/**
 * A val step as the live page draws it: the numbers of {@link ValStep} a curve needs, exactly as received (the full
 * record, with confusion matrices and fixed-batch predictions, stays in {@code GET /api/runs/{id}/history}).
 *
 * @param step        the train step whose weights were evaluated (0 = the initial weights)
 * @param valLoss     mean loss over the val batch
 * @param valAccuracy as {@link ValStep#valAccuracy()}
 */
public record LiveVal(String runId, int step, double valLoss, double valAccuracy) {

    public static LiveVal of(ValStep v) {
        return new LiveVal(v.runId(), v.step(), v.valLoss(), v.valAccuracy());
    }
}
