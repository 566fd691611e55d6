package dev.preflight.gateway.service;

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
            return new Result(null, List.of(e.describe()));
        }
        List<String> problems = spec.problems();
        return problems.isEmpty() ? new Result(spec, List.of()) : new Result(null, List.copyOf(problems));
    }
}
