package dev.preflight.data.store;

/**
 * The store directory or a store file cannot be written (read-only data root, full disk). Never about the dataset
 * itself: the registry then decodes the dataset into the heap and says so in the log.
 */
public class StoreException extends RuntimeException {

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
