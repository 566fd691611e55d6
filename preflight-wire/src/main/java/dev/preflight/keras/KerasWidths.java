package dev.preflight.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Changes the widths of an imported Keras definition, for the ablation stage ("widths where the definition allows"):
 * a {@code Dense}'s units, a {@code Conv2D}'s, {@code SeparableConv2D}'s or {@code Conv2DTranspose}'s filters. What
 * follows a changed layer adapts by itself (batch norm, depthwise convolutions and the next layer's kernel take the
 * new width as input).
 *
 * <p>Refused, naming the layer: the output layer (the last weighted layer before the output: its width is the class
 * count); any width when the run loads pretrained weights (their shapes fix every width); a layer of another class;
 * and a change that breaks an {@code Add} (its inputs must keep one shape: change the layers feeding it together, as
 * {@link #scale} does, or not at all).
 */
public final class KerasWidths {

    /** The resizable classes and the argument that is their width. */
    public static final Map<String, String> WIDTH_ARGUMENT = Map.of("Dense", "units", "Conv2D", "filters",
            "SeparableConv2D", "filters", "Conv2DTranspose", "filters");

    private KerasWidths() {
    }

    /**
     * Every resizable layer but the output layer, times {@code factor} (rounded, at least 1).
     *
     * @param pretrained whether the run loads weights into the definition (then no width may change)
     * @throws KerasException naming the layer or the Add a change cannot apply to
     */
    public static JsonNode scale(JsonNode definition, double factor, boolean pretrained) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new KerasException("width multiplier must be > 0, was " + factor);
        }
        KerasModel m = KerasModel.parse(definition);
        KerasLayer out = m.finalWeightedLayer();
        Map<String, Integer> widths = new LinkedHashMap<>();
        for (KerasLayer l : m.layers()) {
            if (WIDTH_ARGUMENT.containsKey(l.className()) && (out == null || !l.name().equals(out.name()))) {
                if (pretrained) {
                    throw l.error(refusedPretrained());
                }
                widths.put(l.name(), (int) Math.max(1, Math.round(l.intArg(WIDTH_ARGUMENT.get(l.className()), 1) * factor)));
            }
        }
        return apply(definition, widths, String.format(Locale.ROOT, "width x%s", factor));
    }

    /**
     * One layer's width set to {@code width}.
     *
     * @throws KerasException naming the layer: unknown, not resizable, the output layer, pretrained weights, or an Add
     *                        its new width breaks
     */
    public static JsonNode set(JsonNode definition, String layer, int width, boolean pretrained) {
        KerasModel m = KerasModel.parse(definition);
        KerasLayer l = m.layers().stream().filter(x -> x.name().equals(layer)).findFirst()
                .orElseThrow(() -> new KerasException("layer '" + layer + "' is not in the definition (or the output does not depend on it)"));
        if (!WIDTH_ARGUMENT.containsKey(l.className())) {
            throw l.error("has no width an ablation can change (only " + WIDTH_ARGUMENT.keySet().stream().sorted().toList() + " do)");
        }
        KerasLayer out = m.finalWeightedLayer();
        if (out != null && out.name().equals(layer)) {
            throw l.error("is the output layer: its " + WIDTH_ARGUMENT.get(l.className()) + " are the model's outputs (the class count)");
        }
        if (pretrained) {
            throw l.error(refusedPretrained());
        }
        if (width < 1) {
            throw l.error(WIDTH_ARGUMENT.get(l.className()) + " must be >= 1, was " + width);
        }
        return apply(definition, Map.of(layer, width), "layer '" + layer + "' at width " + width);
    }

    private static String refusedPretrained() {
        return "its width is fixed by the pretrained weights the run loads (kerasWeights): leave widths out of the search "
                + "or drop the weights";
    }

    private static JsonNode apply(JsonNode definition, Map<String, Integer> widths, String what) {
        JsonNode copy = definition.deepCopy();
        for (JsonNode l : copy.path("config").path("layers")) {
            JsonNode cfg = l.path("config");
            String name = cfg.hasNonNull("name") ? cfg.get("name").asText() : l.path("name").asText();
            Integer w = widths.get(name);
            if (w != null && cfg instanceof ObjectNode o) {
                o.put(WIDTH_ARGUMENT.get(l.path("class_name").asText()), w);
            }
        }
        KerasModel changed = KerasModel.parse(copy);
        if (changed.declaredInputShape() != null) {
            try {
                changed.infer(null);
            } catch (KerasException e) {
                // An Add whose inputs no longer agree: the message names it and the two shapes.
                throw new KerasException(what + " cannot apply: " + e.getMessage() + " (the layers feeding an Add keep one width)");
            }
        }
        return copy;
    }
}
