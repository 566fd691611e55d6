package dev.preflight.gateway.service;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.WireFormatException;

import java.util.List;

/**
 * Turns a submitted body into a {@link RunSpec} or the list of everything wrong with it, each problem naming its
 * field. Decoding goes through the shared strict {@link Json} codec, so the gateway accepts exactly what the other
 * services will accept from the runs topic.
 */
public final class SpecParser {

    private SpecParser() {
    }

    /** Either a valid spec (no problems) or problems (no spec). */
    public record Result(RunSpec spec, List<String> problems) {
        public boolean valid() {
            return problems.isEmpty();
        }
    }

    public static Result parse(byte[] body) {
        RunSpec spec;
        try {
            spec = Json.decode(body, RunSpec.class);
        } catch (WireFormatException e) {
            return new Result(null, List.of(describe(e)));
        }
        List<String> problems = spec.problems();
        return problems.isEmpty() ? new Result(spec, List.of()) : new Result(null, List.copyOf(problems));
    }

    /**
     * The codec names an unknown field without its position ("unknown field 'learningrate' in RunSpec"); for a
     * nested one the user needs the path ("model.learningrate"), as spec.problems() gives for other faults.
     */
    public static String describe(WireFormatException e) {
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
