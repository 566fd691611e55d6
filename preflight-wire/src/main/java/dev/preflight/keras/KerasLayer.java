package dev.preflight.keras;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One layer of a parsed Keras definition: its name, class, whether it trains, the layers it reads (in order) and its
 * config, read through typed getters that refuse a value Preflight would not build as Keras means it.
 *
 * @param inbound names of the layers whose outputs it reads (none for the input layer)
 */
public record KerasLayer(String name, String className, boolean trainable, List<String> inbound, JsonNode config) {

    /** The activations {@link #activation()} accepts, by their Keras names. */
    public static final Set<String> ACTIVATIONS = Set.of("linear", "relu", "relu6", "sigmoid", "softmax", "tanh", "elu", "selu",
            "softplus", "softsign", "swish", "silu", "exponential", "leaky_relu", "gelu");

    /**
     * Per class, the config keys it reads. Any other key is refused unless it is {@link #COSMETIC} or left at an "off"
     * value (null, false, 0, "", [] or {}): a key a later Keras release added and the user did not use cannot change
     * the maths.
     */
    static final Map<String, Set<String>> KEYS = Map.ofEntries(
            Map.entry("InputLayer", Set.of("batch_shape", "batch_input_shape", "shape", "input_shape")),
            Map.entry("Dense", Set.of("units", "activation", "use_bias", "kernel_initializer", "bias_initializer")),
            Map.entry("Conv2D", Set.of("filters", "kernel_size", "strides", "padding", "dilation_rate", "groups", "activation",
                    "use_bias", "kernel_initializer", "bias_initializer")),
            Map.entry("SeparableConv2D", Set.of("filters", "kernel_size", "strides", "padding", "dilation_rate", "depth_multiplier",
                    "activation", "use_bias", "depthwise_initializer", "pointwise_initializer", "bias_initializer")),
            Map.entry("DepthwiseConv2D", Set.of("kernel_size", "strides", "padding", "dilation_rate", "depth_multiplier",
                    "activation", "use_bias", "depthwise_initializer", "bias_initializer")),
            Map.entry("Conv2DTranspose", Set.of("filters", "kernel_size", "strides", "padding", "dilation_rate", "output_padding",
                    "activation", "use_bias", "kernel_initializer", "bias_initializer")),
            Map.entry("MaxPooling2D", Set.of("pool_size", "strides", "padding")),
            Map.entry("AveragePooling2D", Set.of("pool_size", "strides", "padding")),
            Map.entry("GlobalAveragePooling2D", Set.of("keepdims")),
            Map.entry("GlobalMaxPooling2D", Set.of("keepdims")),
            Map.entry("ZeroPadding2D", Set.of("padding")),
            Map.entry("Flatten", Set.of()),
            Map.entry("Reshape", Set.of("target_shape")),
            Map.entry("Dropout", Set.of("rate", "noise_shape")),
            // renorm_momentum / renorm_clipping only act with renorm on, which is refused (not in this set, not off)
            Map.entry("BatchNormalization", Set.of("axis", "momentum", "epsilon", "center", "scale", "beta_initializer",
                    "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer", "renorm_momentum", "renorm_clipping")),
            Map.entry("Activation", Set.of("activation")),
            Map.entry("ReLU", Set.of("max_value", "negative_slope", "threshold")),
            Map.entry("LeakyReLU", Set.of("alpha", "negative_slope")),
            Map.entry("Softmax", Set.of("axis")),
            Map.entry("Add", Set.of()),
            Map.entry("Concatenate", Set.of("axis")),
            Map.entry("UpSampling2D", Set.of("size", "interpolation")),
            Map.entry("Rescaling", Set.of("scale", "offset")));

    /** Keys that never change the maths: names, dtype policies (checked to be float32), layout (checked), build hints. */
    static final Set<String> COSMETIC = Set.of("name", "trainable", "dtype", "data_format", "seed", "sparse", "ragged",
            "batch_size", "autocast", "input_dtype", "build_config", "module", "registered_name", "optional");

    /** The supported layer classes. */
    public static Set<String> supportedClasses() {
        return KEYS.keySet();
    }

    /** A value that leaves a feature off: null, false, 0, "", an empty list or object. */
    static boolean off(JsonNode v) {
        return v == null || v.isNull() || v.isBoolean() && !v.asBoolean() || v.isNumber() && v.asDouble() == 0
                || v.isTextual() && v.asText().isEmpty() || v.isContainerNode() && v.isEmpty();
    }

    KerasException error(String what) {
        return KerasException.layer(name, className, what);
    }

    private JsonNode get(String key) {
        JsonNode v = config.get(key);
        return v == null || v.isNull() ? null : v;
    }

    public boolean has(String key) {
        return get(key) != null;
    }

    public int intArg(String key, int dflt) {
        JsonNode v = get(key);
        if (v == null) {
            return dflt;
        }
        if (v.isArray() && v.size() == 1) {
            v = v.get(0);
        }
        if (!v.canConvertToInt() || v.asDouble() != v.asInt()) {
            throw error("argument '" + key + "' = " + v + " must be an integer");
        }
        return v.asInt();
    }

    public double dbl(String key, double dflt) {
        JsonNode v = get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw error("argument '" + key + "' = " + v + " must be a number");
        }
        return v.asDouble();
    }

    public boolean bool(String key, boolean dflt) {
        JsonNode v = get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw error("argument '" + key + "' = " + v + " must be true or false");
        }
        return v.asBoolean();
    }

    public String str(String key, String dflt, String... allowed) {
        JsonNode v = get(key);
        String s = v == null ? dflt : v.asText();
        if (allowed.length > 0 && !List.of(allowed).contains(s)) {
            throw error("argument '" + key + "' = '" + s + "' is not supported (supported: " + String.join(", ", allowed) + ")");
        }
        return s;
    }

    /** An int or a pair of ints ({@code kernel_size: 3} or {@code [3, 3]}). */
    public int[] pair(String key, int dflt) {
        JsonNode v = get(key);
        if (v == null) {
            return new int[]{dflt, dflt};
        }
        if (v.isInt()) {
            return new int[]{v.asInt(), v.asInt()};
        }
        if (v.isArray() && v.size() == 2 && v.get(0).isInt() && v.get(1).isInt()) {
            return new int[]{v.get(0).asInt(), v.get(1).asInt()};
        }
        throw error("argument '" + key + "' = " + v + " must be an integer or a pair of integers");
    }

    /** The layer's activation, by its Keras name; "linear" when unset. */
    public String activation() {
        JsonNode v = get("activation");
        if (v == null) {
            return "linear";
        }
        String a = v.isTextual() ? v.asText() : v.isObject() && v.hasNonNull("class_name") ? v.get("class_name").asText() : v.toString();
        if (v.isObject() && "function".equals(a) && v.hasNonNull("config") && v.get("config").isTextual()) {
            a = v.get("config").asText();
        }
        if (!ACTIVATIONS.contains(a)) {
            throw error("argument 'activation' = '" + a + "' is not supported (supported: " + new java.util.TreeSet<>(ACTIVATIONS) + ")");
        }
        return a;
    }

    public KerasInit init(String key, KerasInit dflt) {
        return KerasInit.parse(config.get(key), dflt, name, className, key);
    }

    /** "valid" or "same". */
    public String padding() {
        return str("padding", "valid", "valid", "same");
    }

    /** Reads every argument this class has, so a bad value fails at parse time rather than while building the graph. */
    void validateArgs() {
        if (!KEYS.containsKey(className)) {
            throw new KerasException("layer '" + name + "': class '" + className + "' is not supported (supported: "
                    + new java.util.TreeSet<>(KEYS.keySet()) + ")");
        }
        var it = config.fieldNames();
        while (it.hasNext()) {
            String k = it.next();
            if (!KEYS.get(className).contains(k) && !COSMETIC.contains(k) && !off(config.get(k))) {
                throw error("argument '" + k + "' = " + config.get(k) + " is not supported");
            }
        }
        JsonNode dtype = config.get("dtype");
        if (dtype != null && !dtype.isNull()) {
            String d = dtype.isTextual() ? dtype.asText() : dtype.path("config").path("name").asText(dtype.toString());
            if (!d.equals("float32")) {
                throw error("argument 'dtype' = '" + d + "' is not supported (only float32)");
            }
        }
        str("data_format", "channels_last", "channels_last");
        for (String k : KEYS.get(className)) {
            if (k.endsWith("_initializer")) {
                init(k, KerasInit.ZEROS);
            }
        }
        if (KEYS.get(className).contains("activation")) {
            activation();
        }
        switch (className) {
            case "Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose" -> {
                padding();
                int[] s = pair("strides", 1);
                int[] d = pair("dilation_rate", 1);
                if ((s[0] > 1 || s[1] > 1) && (d[0] > 1 || d[1] > 1)) {
                    throw error("arguments 'strides' > 1 with 'dilation_rate' > 1 are not supported together (Keras refuses them too)");
                }
                if (intArg("groups", 1) != 1) {
                    throw error("argument 'groups' = " + intArg("groups", 1) + " is not supported (only 1)");
                }
                if (className.equals("Conv2DTranspose") && (d[0] > 1 || d[1] > 1)) {
                    throw error("argument 'dilation_rate' > 1 is not supported on Conv2DTranspose");
                }
                if (className.equals("Conv2DTranspose") && has("output_padding")) {
                    throw error("argument 'output_padding' = " + get("output_padding") + " is not supported (only null)");
                }
                use();
            }
            case "MaxPooling2D", "AveragePooling2D" -> {
                pair("pool_size", 2);
                padding();
            }
            case "UpSampling2D" -> {
                pair("size", 2);
                str("interpolation", "nearest", "nearest", "bilinear");
            }
            case "Dropout" -> {
                double r = dbl("rate", 0);
                if (!(r >= 0 && r < 1)) {
                    throw error("argument 'rate' = " + r + " must be in [0, 1)");
                }
                if (has("noise_shape")) {
                    throw error("argument 'noise_shape' = " + get("noise_shape") + " is not supported (only null)");
                }
            }
            case "BatchNormalization" -> {
                bool("center", true);
                bool("scale", true);
                dbl("momentum", 0.99);
                dbl("epsilon", 1e-3);
            }
            case "Softmax" -> {
                if (intArg("axis", -1) != -1) {
                    throw error("argument 'axis' = " + intArg("axis", -1) + " is not supported (only -1)");
                }
            }
            case "Dense" -> use();
            default -> { }
        }
    }

    private void use() {
        if (KEYS.get(className).contains("use_bias")) {
            bool("use_bias", true);
        }
    }
}
