package dev.preflight.keras;

/**
 * A Keras definition Preflight cannot build as written. The message names the layer, its class and the argument, e.g.
 * {@code layer 'conv2d_1' (Conv2D): argument 'groups' = 2 is not supported (only 1)}: what the gateway's 400 shows.
 */
public final class KerasException extends IllegalArgumentException {

    public KerasException(String message) {
        super(message);
    }

    public static KerasException layer(String name, String className, String what) {
        return new KerasException("layer '" + name + "' (" + className + "): " + what);
    }
}
