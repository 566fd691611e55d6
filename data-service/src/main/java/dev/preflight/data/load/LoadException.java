package dev.preflight.data.load;

/**
 * A dataset that cannot be loaded as a whole (wrong IDX magic, a ragged CSV row, no valid sample, ...). The message
 * says which file and what is wrong; single bad files inside a folder are skipped and listed instead.
 */
public class LoadException extends RuntimeException {

    public LoadException(String message) {
        super(message);
    }

    public LoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
