package dev.preflight.keras;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;
import java.util.Map;

/**
 * A Keras initialiser with its arguments, normalised: every Glorot/He/LeCun variant is a {@link Kind#VARIANCE_SCALING}
 * with Keras' own scale, mode and distribution, so one formula draws them all (the values come from Preflight's seeded
 * Java RNG, not Keras', so the distribution matches Keras and the numbers are reproducible).
 *
 * @param scale        variance scaling's scale (glorot 1, he 2, lecun 1)
 * @param mode         fan_in, fan_out or fan_avg
 * @param distribution uniform, truncated_normal or untruncated_normal
 */
public record KerasInit(Kind kind, double scale, String mode, String distribution, double mean, double stddev, double minval,
                        double maxval, double value) {

    public enum Kind { ZEROS, ONES, CONSTANT, RANDOM_UNIFORM, RANDOM_NORMAL, TRUNCATED_NORMAL, VARIANCE_SCALING }

    public static final KerasInit ZEROS = new KerasInit(Kind.ZEROS, 0, null, null, 0, 0, 0, 0, 0);
    public static final KerasInit ONES = new KerasInit(Kind.ONES, 0, null, null, 0, 0, 0, 0, 1);
    public static final KerasInit GLOROT_UNIFORM = scaling(1, "fan_avg", "uniform");

    static KerasInit scaling(double scale, String mode, String distribution) {
        return new KerasInit(Kind.VARIANCE_SCALING, scale, mode, distribution, 0, 0, 0, 0, 0);
    }

    /** Glorot-uniform limit etc. for a kernel with these fans: the standard deviation / limit Keras would use. */
    public double fan(double fanIn, double fanOut) {
        return switch (mode) {
            case "fan_in" -> fanIn;
            case "fan_out" -> fanOut;
            default -> (fanIn + fanOut) / 2;
        };
    }

    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("zeros", "Zeros"), Map.entry("zero", "Zeros"), Map.entry("ones", "Ones"), Map.entry("one", "Ones"),
            Map.entry("constant", "Constant"), Map.entry("random_uniform", "RandomUniform"), Map.entry("uniform", "RandomUniform"),
            Map.entry("random_normal", "RandomNormal"), Map.entry("normal", "RandomNormal"),
            Map.entry("truncated_normal", "TruncatedNormal"), Map.entry("glorot_uniform", "GlorotUniform"),
            Map.entry("glorot_normal", "GlorotNormal"), Map.entry("he_uniform", "HeUniform"), Map.entry("he_normal", "HeNormal"),
            Map.entry("lecun_uniform", "LecunUniform"), Map.entry("lecun_normal", "LecunNormal"),
            Map.entry("variance_scaling", "VarianceScaling"));

    /** Parses a string alias ({@code "he_normal"}) or an object ({@code {"class_name": "HeNormal", "config": {...}}}). */
    static KerasInit parse(JsonNode n, KerasInit dflt, String layer, String cls, String arg) {
        if (n == null || n.isNull()) {
            return dflt;
        }
        String name;
        JsonNode cfg;
        if (n.isTextual()) {
            name = n.asText();
            cfg = null;
        } else if (n.isObject() && n.hasNonNull("class_name")) {
            name = n.get("class_name").asText();
            cfg = n.get("config");
        } else {
            throw KerasException.layer(layer, cls, "argument '" + arg + "' = " + n + " is not an initialiser");
        }
        String canon = ALIASES.getOrDefault(name.toLowerCase(Locale.ROOT), name);
        java.util.function.ToDoubleBiFunction<String, Double> d = (k, def) -> cfg != null && cfg.hasNonNull(k) ? cfg.get(k).asDouble() : def;
        KerasInit out = switch (canon) {
            case "Zeros" -> ZEROS;
            case "Ones" -> ONES;
            case "Constant" -> new KerasInit(Kind.CONSTANT, 0, null, null, 0, 0, 0, 0, d.applyAsDouble("value", 0.0));
            case "RandomUniform" -> new KerasInit(Kind.RANDOM_UNIFORM, 0, null, null, 0, 0, d.applyAsDouble("minval", -0.05),
                    d.applyAsDouble("maxval", 0.05), 0);
            case "RandomNormal" -> new KerasInit(Kind.RANDOM_NORMAL, 0, null, null, d.applyAsDouble("mean", 0.0),
                    d.applyAsDouble("stddev", 0.05), 0, 0, 0);
            case "TruncatedNormal" -> new KerasInit(Kind.TRUNCATED_NORMAL, 0, null, null, d.applyAsDouble("mean", 0.0),
                    d.applyAsDouble("stddev", 0.05), 0, 0, 0);
            case "GlorotUniform" -> scaling(1, "fan_avg", "uniform");
            case "GlorotNormal" -> scaling(1, "fan_avg", "truncated_normal");
            case "HeUniform" -> scaling(2, "fan_in", "uniform");
            case "HeNormal" -> scaling(2, "fan_in", "truncated_normal");
            case "LecunUniform" -> scaling(1, "fan_in", "uniform");
            case "LecunNormal" -> scaling(1, "fan_in", "truncated_normal");
            case "VarianceScaling" -> {
                String mode = cfg != null && cfg.hasNonNull("mode") ? cfg.get("mode").asText() : "fan_in";
                String dist = cfg != null && cfg.hasNonNull("distribution") ? cfg.get("distribution").asText() : "truncated_normal";
                if (dist.equals("normal")) {
                    dist = "truncated_normal";
                }
                if (!java.util.Set.of("fan_in", "fan_out", "fan_avg").contains(mode)
                        || !java.util.Set.of("uniform", "truncated_normal", "untruncated_normal").contains(dist)) {
                    throw KerasException.layer(layer, cls, "argument '" + arg + "': VarianceScaling mode '" + mode
                            + "' / distribution '" + dist + "' is not supported");
                }
                yield scaling(d.applyAsDouble("scale", 1.0), mode, dist);
            }
            default -> throw KerasException.layer(layer, cls, "argument '" + arg + "' = '" + name + "' is not a supported initialiser "
                    + "(supported: " + new java.util.TreeSet<>(ALIASES.values()) + ")");
        };
        if (cfg != null && cfg.isObject()) {
            var it = cfg.fieldNames();
            while (it.hasNext()) {
                String k = it.next();
                if (!java.util.Set.of("seed", "value", "minval", "maxval", "mean", "stddev", "scale", "mode", "distribution").contains(k)
                        && !KerasLayer.off(cfg.get(k))) {
                    throw KerasException.layer(layer, cls, "argument '" + arg + "': initialiser argument '" + k + "' is not supported");
                }
            }
        }
        return out;
    }
}
