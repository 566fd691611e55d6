package dev.preflight.data.service;

/** A registration under a name that is already taken (by a built-in or a registered dataset). */
public class DatasetExistsException extends RuntimeException {

    public DatasetExistsException(String name) {
        super("a dataset named '" + name + "' already exists");
    }
}
