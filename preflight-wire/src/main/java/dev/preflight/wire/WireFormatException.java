package dev.preflight.wire;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

/** A message could not be decoded. The message says what was wrong, so it can be put on a dead-letter record. */
public class WireFormatException extends RuntimeException {
    public WireFormatException(String message) {
        super(message);
    }

    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * What went wrong and where, for a user fixing a request body: the field by its path ({@code imageShape[0]: ...},
     * {@code unknown field 'labelz', expected one of [...]}). Jackson's own message says what but not where.
     */
    public String describe() {
        if (getCause() instanceof UnrecognizedPropertyException u) {
            return "unknown field '" + path(u) + "', expected one of " + u.getKnownPropertyIds();
        }
        if (getCause() instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            return path(m) + ": " + m.getOriginalMessage();
        }
        return getMessage();
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
