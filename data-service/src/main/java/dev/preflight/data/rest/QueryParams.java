package dev.preflight.data.rest;

/**
 * Parses query parameters by hand. JAX-RS answers a non-numeric {@code ?size=abc} bound to an {@code int} with a bare
 * 404, which names nothing; taking strings lets every bad value become a 400 that names its parameter.
 */
final class QueryParams {

    private QueryParams() {
    }

    static long requiredLong(String name, String value) {
        String v = required(name, value);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new BadParameterException(name, "must be a whole number, was '" + v + "'");
        }
    }

    static int requiredInt(String name, String value, int min, int max) {
        String v = required(name, value);
        int parsed;
        try {
            parsed = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new BadParameterException(name, "must be a whole number in [" + min + ", " + max + "], was '" + v + "'");
        }
        if (parsed < min || parsed > max) {
            throw new BadParameterException(name, "must be in [" + min + ", " + max + "], was " + parsed);
        }
        return parsed;
    }

    /** A number strictly between 0 and 1, as fractions are. */
    static double requiredFraction(String name, String value) {
        String v = required(name, value);
        double parsed;
        try {
            parsed = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new BadParameterException(name, "must be a number in (0, 1), was '" + v + "'");
        }
        if (!(parsed > 0 && parsed < 1)) {
            throw new BadParameterException(name, "must be in (0, 1), was " + v);
        }
        return parsed;
    }

    /**
     * An optional run resolution, {@code HxW} ({@code "14x14"}, as {@code DataConfig.resolutionParam} writes it), as
     * [height, width]; null when absent.
     */
    static java.util.List<Integer> optionalResolution(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String[] parts = value.trim().split("x", -1);
        int max = dev.preflight.wire.DataConfig.MAX_RESOLUTION;
        if (parts.length != 2) {
            throw new BadParameterException(name, "must be HEIGHTxWIDTH (e.g. 14x14), was '" + value.trim() + "'");
        }
        return java.util.List.of(requiredInt(name, parts[0], 1, max), requiredInt(name, parts[1], 1, max));
    }

    private static String required(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new BadParameterException(name, "is required");
        }
        return value.trim();
    }
}
