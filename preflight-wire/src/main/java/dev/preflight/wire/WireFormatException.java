package dev.preflight.wire;

/** A message could not be decoded. The message says what was wrong, so it can be put on a dead-letter record. */
public class WireFormatException extends RuntimeException {
    public WireFormatException(String message) {
        super(message);
    }

    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
