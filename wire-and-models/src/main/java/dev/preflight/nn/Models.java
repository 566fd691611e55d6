package dev.preflight.nn;

import dev.preflight.wire.ModelConfig;

/** Builds the model a {@link ModelConfig} names. Trainer and eval-service both call this, so they build the same graph. */
public final class Models {

    private Models() {
    }

    /**
     * Loads TensorFlow's native library and runs one tiny graph. The first model in a JVM otherwise pays seconds of
     * native loading inside the first training step or the first validation; services call this before they report
     * ready, so a run's first val points are not lost to it.
     */
    public static void warmUp() {
        try (Mlp m = new Mlp(2, new int[]{2}, 2, 0, 1)) {
            m.trainStep(new float[2], new int[]{0}, 1e-3f);
            m.evaluate(new float[2], new int[]{0});
        }
    }

    public static Classifier create(ModelConfig config, int[] sampleShape, int numClasses) {
        return create(config, sampleShape, numClasses, 0);
    }

    /** @param threads TensorFlow intra-op threads, 0 for TensorFlow's default; see {@link Mlp#Mlp(int, int[], int, long, int)} */
    public static Classifier create(ModelConfig config, int[] sampleShape, int numClasses, int threads) {
        int inputSize = 1;
        for (int d : sampleShape) {
            inputSize *= d;
        }
        return switch (config.type()) {
            case "mlp" -> new Mlp(inputSize, config.hiddenUnits().stream().mapToInt(Integer::intValue).toArray(),
                    numClasses, config.seed(), threads);
            default -> throw new IllegalArgumentException("unknown model type " + config.type());
        };
    }
}
