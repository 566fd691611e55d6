package dev.preflight.data.rest;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.preflight.wire.Json;
import dev.preflight.wire.WireFormatException;
import jakarta.ws.rs.core.Response;

/**
 * Request bodies, decoded by the strict wire codec (an unknown field is an error) into a 400 whose message names the
 * field by its path ({@code imageShape[0]: ...}, {@code unknown field 'labelz'}): the codec's own message says what
 * went wrong but not where, which is what a user fixing a request needs.
 */
final class JsonBodies {

    private JsonBodies() {
    }

    /** @throws ApiProblemException 400, {@code what + ": " + the problem} */
    static <T> T decode(byte[] body, Class<T> type, String what) {
        try {
            return Json.decode(body, type);
        } catch (WireFormatException e) {
            throw new ApiProblemException(Response.Status.BAD_REQUEST, what + ": " + describe(e));
        }
    }

    static String describe(WireFormatException e) {
        if (e.getCause() instanceof UnrecognizedPropertyException u) {
            return "unknown field '" + path(u) + "', expected one of " + u.getKnownPropertyIds();
        }
        if (e.getCause() instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            return path(m) + ": " + m.getOriginalMessage();
        }
        return e.getMessage();
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }
}
