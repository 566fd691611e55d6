package dev.preflight.data.load;

/** A user-given path that is not allowed (outside the data root, '..', a symlink escape) or does not exist. */
public class PathRejectedException extends RuntimeException {

    public PathRejectedException(String message) {
        super(message);
    }
}
