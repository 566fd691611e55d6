package dev.preflight.rest;

/**
 * How large a request body each path may send, and how to say it is too large. A service whose endpoints all take
 * small JSON needs none ({@link HttpErrors} then holds every path to {@code quarkus.http.limits.max-body-size}); the
 * gateway provides one because one endpoint takes a weights file (megabytes) while every other is held to a JSON limit.
 */
public interface BodyLimits {

    /** The largest body, in bytes, a request to {@code path} may send. */
    long maxBytes(String path);

    /**
     * The 413 message for {@code path}, naming the limit and the setting that sets it.
     *
     * @param bytes the declared Content-Length, or null when the body grew past the limit while it was read
     */
    String tooLarge(String path, Long bytes);

    /** What a 415 on {@code path} tells the client to send instead. */
    default String accepts(String path) {
        return "application/json";
    }
}
