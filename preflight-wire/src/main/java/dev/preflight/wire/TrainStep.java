package dev.preflight.wire;

/**
 * One training batch, published after every step (the recipe: log the loss for every batch, not once an epoch).
 *
 * @param step            1-based step number; each step appears exactly once per run
 * @param loss            mean train loss of this batch, before the update
 * @param stepSeconds     wall time of the whole step, from the end of the previous step's compute to the end of this
 *                        one's: data wait + compute + the trainer's bookkeeping ({@code timing})
 * @param dataWaitSeconds time blocked waiting for the batch to arrive from Kafka
 * @param computeSeconds  time in the TensorFlow session (forward, backward, update)
 * @param batchSize       samples in this batch
 * @param learningRate    the learning rate used for this step (after any schedule)
 * @param gradNorm        global L2 norm of the gradient
 * @param updateRatios    per parameter tensor: |update| / |weights| of this step (the recipe's "layers never
 *                        updated" shows as 0; healthy Adam steps are around 1e-3)
 * @param predictionEntropy mean entropy (nats) of the batch's predicted class distribution: ln(C) at a good init,
 *                        falling as the model commits; null for regression
 * @param gradNorms       per parameter tensor (the names of {@code updateRatios}): the L2 norm of its gradient this
 *                        step; a layer whose gradient is 0 gets no update (null from publishers older than this field)
 * @param timing          the trainer's bookkeeping in this step, part by part ({@link StepTiming}); null from a
 *                        trainer that does not report it
 * @param critic          adversarial runs ({@link Adversarial}) only: the critic's metrics of this step; then
 *                        {@code loss} is the generator's L1 and {@code gradNorm} its gradient's norm. Null otherwise
 */
public record TrainStep(String runId, int step, double loss, double stepSeconds, double dataWaitSeconds,
                        double computeSeconds, int batchSize, Double learningRate, Double gradNorm,
                        java.util.Map<String, Double> updateRatios, Double predictionEntropy,
                        java.util.Map<String, Double> gradNorms, StepTiming timing, CriticStep critic) {

    /** A step of a run without a critic. */
    public TrainStep(String runId, int step, double loss, double stepSeconds, double dataWaitSeconds,
                     double computeSeconds, int batchSize, Double learningRate, Double gradNorm,
                     java.util.Map<String, Double> updateRatios, Double predictionEntropy,
                     java.util.Map<String, Double> gradNorms, StepTiming timing) {
        this(runId, step, loss, stepSeconds, dataWaitSeconds, computeSeconds, batchSize, learningRate, gradNorm,
                updateRatios, predictionEntropy, gradNorms, timing, null);
    }

    /** Without per-parameter gradient norms and bookkeeping timing. */
    public TrainStep(String runId, int step, double loss, double stepSeconds, double dataWaitSeconds,
                     double computeSeconds, int batchSize, Double learningRate, Double gradNorm,
                     java.util.Map<String, Double> updateRatios, Double predictionEntropy) {
        this(runId, step, loss, stepSeconds, dataWaitSeconds, computeSeconds, batchSize, learningRate, gradNorm,
                updateRatios, predictionEntropy, null, null);
    }

    /** With per-parameter gradient norms, without bookkeeping timing. */
    public TrainStep(String runId, int step, double loss, double stepSeconds, double dataWaitSeconds,
                     double computeSeconds, int batchSize, Double learningRate, Double gradNorm,
                     java.util.Map<String, Double> updateRatios, Double predictionEntropy, java.util.Map<String, Double> gradNorms) {
        this(runId, step, loss, stepSeconds, dataWaitSeconds, computeSeconds, batchSize, learningRate, gradNorm,
                updateRatios, predictionEntropy, gradNorms, null);
    }

    public TrainStep(String runId, int step, double loss, double stepSeconds, double dataWaitSeconds,
                     double computeSeconds, int batchSize) {
        this(runId, step, loss, stepSeconds, dataWaitSeconds, computeSeconds, batchSize, null, null, null, null, null, null);
    }

    public static TrainStep decode(byte[] bytes) {
        TrainStep s = Json.decode(bytes, TrainStep.class);
        if (s.runId() == null || s.step() < 1) {
            throw new WireFormatException("TrainStep needs a runId and a step >= 1");
        }
        return s;
    }

    public double samplesPerSecond() {
        return stepSeconds > 0 ? batchSize / stepSeconds : 0;
    }
}
