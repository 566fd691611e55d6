package dev.preflight.keras;

/**
 * The loss a Keras definition was compiled with (or the run options say).
 *
 * @param kind       what it computes
 * @param fromLogits whether it applies its own softmax to the model's output (Keras' {@code from_logits=True});
 *                   false: it expects probabilities
 * @param source     where it came from, for messages: "compile_config", "training_config" or "run options"
 */
public record KerasLoss(Kind kind, boolean fromLogits, String source) {

    public enum Kind {
        /** categorical_crossentropy / sparse_categorical_crossentropy: Preflight feeds class ids either way */
        CROSS_ENTROPY,
        /** mean_squared_error */
        MSE,
        /** mean_absolute_error */
        MAE
    }

    public boolean classification() {
        return kind == Kind.CROSS_ENTROPY;
    }
}
