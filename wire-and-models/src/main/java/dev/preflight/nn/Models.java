package dev.preflight.nn;

import dev.preflight.wire.ModelConfig;

/** Builds the model a {@link ModelConfig} names. Trainer and eval-service both call this, so they build the same graph. */
public final class Models {

    private Models() {
    }

    public static Classifier create(ModelConfig config, int[] sampleShape, int numClasses) {
        int inputSize = 1;
        for (int d : sampleShape) {
            inputSize *= d;
        }
        return switch (config.type()) {
            case "mlp" -> new Mlp(inputSize, config.hiddenUnits().stream().mapToInt(Integer::intValue).toArray(),
                    numClasses, config.seed());
            default -> throw new IllegalArgumentException("unknown model type " + config.type());
        };
    }
}
