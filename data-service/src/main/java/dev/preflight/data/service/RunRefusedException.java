package dev.preflight.data.service;

/**
 * A run this service cannot stream: unknown dataset, a dataset whose files cannot be loaded, a data config that does
 * not fit the dataset (subset larger than the train split, geometric augmentation of a table, ...). The message names
 * the problem in the user's terms; it becomes the run's FAILED reason and the gateway's 400 at submission.
 */
public class RunRefusedException extends RuntimeException {

    public RunRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
