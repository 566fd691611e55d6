package dev.preflight.data.rest;

import dev.preflight.wire.Json;
import dev.preflight.wire.WireFormatException;
import jakarta.ws.rs.core.Response;

/**
 * Request bodies, decoded by the strict wire codec (an unknown field is an error) into a 400 whose message names the
 * field by its path ({@link WireFormatException#describe()}).
 */
final class JsonBodies {

    private JsonBodies() {
    }

    /** @throws ApiProblemException 400, {@code what + ": " + the problem} */
    static <T> T decode(byte[] body, Class<T> type, String what) {
        try {
            return Json.decode(body, type);
        } catch (WireFormatException e) {
            throw new ApiProblemException(Response.Status.BAD_REQUEST, what + ": " + e.describe());
        }
    }
}
