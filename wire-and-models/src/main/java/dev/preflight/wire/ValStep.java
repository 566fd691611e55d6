package dev.preflight.wire;

/**
 * Validation of the weights after train step {@code step}, on a random val batch (never augmented).
 *
 * @param step      the train step whose weights were evaluated: the same numbering as {@link TrainStep#step()}
 * @param valLoss   mean cross-entropy on the val batch
 * @param valAccuracy share of the val batch predicted right
 */
public record ValStep(String runId, int step, double valLoss, double valAccuracy, int batchSize) {

    public static ValStep decode(byte[] bytes) {
        ValStep s = Json.decode(bytes, ValStep.class);
        if (s.runId() == null || s.step() < 1) {
            throw new WireFormatException("ValStep needs a runId and a step >= 1");
        }
        return s;
    }
}
