package dev.preflight.keras;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A Keras model definition, parsed without TensorFlow: what {@code model.to_json()} writes (Keras 2) or the
 * {@code config.json} of a {@code .keras} archive (Keras 3), Sequential or Functional, one input and one output.
 *
 * <p>Lenient where Keras releases differ (dtype as a string or a policy object, {@code build_config} present or not,
 * {@code input_layers} as one triple or a list, {@code inbound_nodes} as Keras 2 lists or Keras 3
 * {@code __keras_tensor__} args, the loss as an object, a string alias or a function); strict where the maths would
 * change: an unsupported layer, argument or value is a {@link KerasException} naming the layer, its class and the
 * argument. {@link #infer} checks the shapes layer by layer and counts parameters.
 *
 * @param layers       in topological order; the first is the input layer (synthesised as {@code input} when the
 *                     definition has none)
 * @param output       the name of the output layer
 * @param loss         the compiled loss; null when the definition carries none
 * @param lrSchedule   the compiled optimiser's learning rate is a schedule (Preflight trains with its own optimiser;
 *                     this is recorded for model-check's "no fancy features")
 * @param declared     the layer names in the order the definition lists them (Keras' {@code model.layers} order)
 */
public record KerasModel(String name, List<KerasLayer> layers, String output, KerasLoss loss, boolean lrSchedule, List<Declared> declared) {

    /** A layer as the definition lists it, reachable from the output or not. */
    public record Declared(String name, String className) {
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static KerasModel parse(String json) {
        try {
            return parse(MAPPER.readTree(json));
        } catch (JsonProcessingException e) {
            throw new KerasException("the Keras definition is not JSON: " + e.getOriginalMessage());
        }
    }

    /** Every problem of a definition as one message list (empty when it parses and its shapes check out). */
    public static List<String> problems(JsonNode definition) {
        try {
            KerasModel m = parse(definition);
            if (m.declaredInputShape() != null) {
                m.infer(null);
            }
            return List.of();
        } catch (KerasException e) {
            return List.of(e.getMessage());
        }
    }

    public static KerasModel parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new KerasException("a Keras definition is a JSON object with class_name and config");
        }
        String cls = root.path("class_name").asText("");
        JsonNode config = root.get("config");
        if (config == null || !config.isObject()) {
            throw new KerasException("the Keras definition has no config object");
        }
        JsonNode layerList = config.get("layers");
        if (layerList == null || !layerList.isArray()) {
            throw new KerasException("the Keras definition's config has no layers list");
        }
        String name = config.path("name").asText(cls);
        List<KerasLayer> layers = new ArrayList<>();
        List<Declared> declared = new ArrayList<>();
        String output;
        if (cls.equals("Sequential")) {
            String prev = null;
            int i = 0;
            for (JsonNode l : layerList) {
                KerasLayer layer = layer(l, i++, prev == null ? List.of() : List.of(prev));
                if (prev == null && !layer.className().equals("InputLayer")) {
                    JsonNode shape = firstNonNull(layer.config(), "batch_input_shape", "batch_shape", "input_shape");
                    if (shape == null && config.has("build_input_shape")) {
                        shape = config.get("build_input_shape");
                    }
                    var in = MAPPER.createObjectNode();
                    if (shape != null) {
                        in.set("batch_shape", shape);
                    }
                    KerasLayer input = new KerasLayer("input", "InputLayer", true, List.of(), in);
                    layers.add(input);
                    var cfg = layer.config().deepCopy();
                    if (cfg.isObject()) {
                        ((com.fasterxml.jackson.databind.node.ObjectNode) cfg).remove(List.of("batch_input_shape", "batch_shape", "input_shape"));
                    }
                    layer = new KerasLayer(layer.name(), layer.className(), layer.trainable(), List.of("input"), cfg);
                }
                layers.add(layer);
                declared.add(new Declared(layer.name(), layer.className()));
                prev = layer.name();
            }
            if (layers.isEmpty()) {
                throw new KerasException("the Sequential model has no layers");
            }
            output = prev;
        } else if (Set.of("Functional", "Model").contains(cls)) {
            Map<String, KerasLayer> byName = new LinkedHashMap<>();
            int i = 0;
            for (JsonNode l : layerList) {
                KerasLayer layer = layer(l, i++, inbound(l));
                declared.add(new Declared(layer.name(), layer.className()));
                if (byName.put(layer.name(), layer) != null) {
                    throw new KerasException("layer name '" + layer.name() + "' is used twice");
                }
            }
            List<String> ins = refs(config.get("input_layers"), "input_layers");
            List<String> outs = refs(config.get("output_layers"), "output_layers");
            if (ins.size() != 1 || outs.size() != 1) {
                throw new KerasException("the model has " + ins.size() + " inputs and " + outs.size() + " outputs; Preflight trains "
                        + "models with one input and one output");
            }
            output = outs.get(0);
            layers = topological(byName, ins.get(0), output);
        } else {
            throw new KerasException("class_name '" + cls + "' is not a model Preflight imports (Sequential, Functional or Model)");
        }
        for (KerasLayer l : layers) {
            l.validateArgs();
        }
        if (!layers.get(0).className().equals("InputLayer")) {
            throw new KerasException("the model's input is layer '" + layers.get(0).name() + "' (" + layers.get(0).className()
                    + "), not an InputLayer");
        }
        JsonNode compile = root.has("compile_config") ? root.get("compile_config") : root.get("training_config");
        String source = root.has("compile_config") ? "compile_config" : "training_config";
        KerasLoss loss = compile == null || compile.isNull() ? null : loss(compile.get("loss"), source);
        boolean schedule = compile != null && compile.path("optimizer").path("config").path("learning_rate").isObject();
        return new KerasModel(name, List.copyOf(layers), output, loss, schedule, List.copyOf(declared));
    }

    private static JsonNode firstNonNull(JsonNode cfg, String... keys) {
        for (String k : keys) {
            if (cfg.hasNonNull(k)) {
                return cfg.get(k);
            }
        }
        return null;
    }

    private static KerasLayer layer(JsonNode l, int index, List<String> inbound) {
        String cls = l.path("class_name").asText(null);
        JsonNode cfg = l.get("config");
        if (cls == null || cfg == null || !cfg.isObject()) {
            throw new KerasException("layer " + index + " has no class_name or config");
        }
        String name = cfg.hasNonNull("name") ? cfg.get("name").asText() : l.path("name").asText(cls.toLowerCase(Locale.ROOT) + "_" + index);
        if (Set.of("Functional", "Sequential", "Model").contains(cls)) {
            throw new KerasException("layer '" + name + "' (" + cls + "): nested models are not supported; flatten the model first");
        }
        if (cls.equals("InputLayer") && cfg.hasNonNull("batch_input_shape") && !cfg.hasNonNull("batch_shape")) {
            cfg = ((com.fasterxml.jackson.databind.node.ObjectNode) cfg.deepCopy()).set("batch_shape", cfg.get("batch_input_shape"));
            ((com.fasterxml.jackson.databind.node.ObjectNode) cfg).remove("batch_input_shape");
        }
        boolean trainable = !cfg.has("trainable") || cfg.get("trainable").asBoolean(true);
        return new KerasLayer(name, cls, trainable, inbound, cfg);
    }

    /** A Functional layer's inputs: Keras 2 {@code [[["name", 0, 0, {}], ...]]} or Keras 3 {@code [{"args": [...]}]}. */
    private static List<String> inbound(JsonNode l) {
        JsonNode nodes = l.get("inbound_nodes");
        String name = l.path("config").path("name").asText(l.path("name").asText("?"));
        if (nodes == null || nodes.isNull() || nodes.isEmpty()) {
            return List.of();
        }
        if (nodes.size() > 1) {
            throw new KerasException("layer '" + name + "' (" + l.path("class_name").asText() + ") is called " + nodes.size()
                    + " times: shared layers are not supported");
        }
        JsonNode node = nodes.get(0);
        List<String> out = new ArrayList<>();
        if (node.isObject()) {
            collectKerasTensors(node.get("args"), out);
            JsonNode kwargs = node.get("kwargs");
            if (kwargs != null && kwargs.isObject()) {
                var it = kwargs.fields();
                while (it.hasNext()) {
                    var e = it.next();
                    if (!e.getKey().equals("training") && !e.getKey().equals("mask") && !KerasLayer.off(e.getValue())) {
                        throw new KerasException("layer '" + name + "' (" + l.path("class_name").asText() + "): call argument '"
                                + e.getKey() + "' is not supported");
                    }
                }
            }
        } else if (node.isArray()) {
            for (JsonNode t : node) {
                if (t.isArray() && t.size() >= 1 && t.get(0).isTextual()) {
                    if (t.size() >= 2 && t.get(1).asInt() != 0) {
                        throw new KerasException("layer '" + name + "' reads node " + t.get(1).asInt() + " of '" + t.get(0).asText()
                                + "': shared layers are not supported");
                    }
                    out.add(t.get(0).asText());
                }
            }
        }
        return out;
    }

    private static void collectKerasTensors(JsonNode n, List<String> out) {
        if (n == null) {
            return;
        }
        if (n.isArray()) {
            n.forEach(c -> collectKerasTensors(c, out));
        } else if (n.isObject() && "__keras_tensor__".equals(n.path("class_name").asText())) {
            out.add(n.path("config").path("keras_history").get(0).asText());
        }
    }

    /** {@code [["a", 0, 0]]} or {@code ["a", 0, 0]}. */
    private static List<String> refs(JsonNode n, String field) {
        if (n == null || !n.isArray() || n.isEmpty()) {
            throw new KerasException("the Functional model has no " + field);
        }
        if (n.get(0).isTextual()) {
            return List.of(n.get(0).asText());
        }
        List<String> out = new ArrayList<>();
        n.forEach(r -> out.add(r.get(0).asText()));
        return out;
    }

    /** The layers the output depends on, inputs before readers; unknown or unreachable inputs are named. */
    private static List<KerasLayer> topological(Map<String, KerasLayer> byName, String input, String output) {
        for (KerasLayer l : byName.values()) {
            for (String in : l.inbound()) {
                if (!byName.containsKey(in)) {
                    throw KerasException.layer(l.name(), l.className(), "reads unknown layer '" + in + "'");
                }
            }
        }
        if (!byName.containsKey(output)) {
            throw new KerasException("output layer '" + output + "' is not among the layers");
        }
        List<KerasLayer> order = new ArrayList<>();
        Set<String> done = new HashSet<>();
        Set<String> visiting = new HashSet<>();
        visit(byName, output, done, visiting, order);
        if (!order.get(0).name().equals(input)) {
            throw new KerasException("the output does not depend on input layer '" + input + "' alone (it starts at '"
                    + order.get(0).name() + "')");
        }
        for (KerasLayer l : order) {
            if (l.inbound().isEmpty() && !l.name().equals(input)) {
                throw KerasException.layer(l.name(), l.className(), "has no inputs but is not the model's input");
            }
        }
        return order;
    }

    private static void visit(Map<String, KerasLayer> byName, String n, Set<String> done, Set<String> visiting, List<KerasLayer> order) {
        if (done.contains(n)) {
            return;
        }
        if (!visiting.add(n)) {
            throw new KerasException("layer '" + n + "' is part of a cycle");
        }
        KerasLayer l = byName.get(n);
        for (String in : l.inbound()) {
            visit(byName, in, done, visiting, order);
        }
        done.add(n);
        order.add(l);
    }

    static KerasLoss loss(JsonNode n, String source) {
        if (n == null || n.isNull()) {
            return null;
        }
        String name;
        JsonNode cfg = null;
        if (n.isTextual()) {
            name = n.asText();
        } else if (n.isObject() && n.hasNonNull("class_name")) {
            name = n.get("class_name").asText();
            cfg = n.get("config");
            if (name.equals("function") && cfg != null && cfg.isTextual()) {
                name = cfg.asText();
                cfg = null;
            }
        } else {
            throw new KerasException(source + ".loss = " + n + ": Preflight trains one output with one loss");
        }
        String key = name.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
        KerasLoss.Kind kind = switch (key) {
            case "categorical_crossentropy", "sparse_categorical_crossentropy" -> KerasLoss.Kind.CROSS_ENTROPY;
            case "mean_squared_error", "mse" -> KerasLoss.Kind.MSE;
            case "mean_absolute_error", "mae" -> KerasLoss.Kind.MAE;
            default -> throw new KerasException(source + ".loss '" + name + "' is not supported (supported: "
                    + "categorical_crossentropy, sparse_categorical_crossentropy, mean_squared_error, mean_absolute_error)");
        };
        boolean fromLogits = false;
        if (cfg != null && cfg.isObject()) {
            fromLogits = cfg.path("from_logits").asBoolean(false);
            var it = cfg.fields();
            while (it.hasNext()) {
                var e = it.next();
                if (!Set.of("name", "reduction", "from_logits", "axis", "dtype").contains(e.getKey()) && !KerasLayer.off(e.getValue())) {
                    throw new KerasException(source + ".loss '" + name + "': argument '" + e.getKey() + "' = " + e.getValue()
                            + " is not supported");
                }
            }
        }
        return new KerasLoss(kind, fromLogits, source);
    }

    /**
     * Where Keras 3 keeps each layer's weights in a {@code .weights.h5} file: not under the layer's name but under
     * {@code layers/<snake_case(class)>[_<n>]}, n counting the earlier layers of the same class in {@code model.layers}
     * order (what Keras' own {@code load_weights} reads back).
     */
    public Map<String, String> keras3WeightPaths() {
        Map<String, Integer> seen = new HashMap<>();
        Map<String, String> out = new LinkedHashMap<>();
        for (Declared d : declared) {
            String snake = snake(d.className());
            int k = seen.merge(snake, 1, Integer::sum) - 1;
            out.put(d.name(), k == 0 ? snake : snake + "_" + k);
        }
        return out;
    }

    /** Keras' {@code to_snake_case}: Conv2DTranspose -> conv2d_transpose, ReLU -> re_lu. */
    static String snake(String cls) {
        String s = cls.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    // ---- facts --------------------------------------------------------------------------------------------------

    public KerasLayer layer(String layerName) {
        return layers.stream().filter(l -> l.name().equals(layerName)).findFirst()
                .orElseThrow(() -> new KerasException("no layer '" + layerName + "'"));
    }

    public KerasLayer outputLayer() {
        return layer(output);
    }

    /** The input shape the definition declares, without the batch dimension; null when it declares none. */
    public long[] declaredInputShape() {
        JsonNode s = firstNonNull(layers.get(0).config(), "batch_shape", "batch_input_shape");
        boolean withBatch = s != null;
        if (s == null) {
            s = firstNonNull(layers.get(0).config(), "shape", "input_shape");
        }
        if (s == null || !s.isArray()) {
            return null;
        }
        long[] out = new long[s.size() - (withBatch ? 1 : 0)];
        for (int i = 0; i < out.length; i++) {
            JsonNode d = s.get(i + (withBatch ? 1 : 0));
            if (d == null || d.isNull()) {
                throw KerasException.layer(layers.get(0).name(), "InputLayer", "dimension " + (i + 1) + " of the input shape is "
                        + "unknown (null); Preflight needs fixed sample shapes");
            }
            out[i] = d.asLong();
        }
        return out;
    }

    /**
     * The activations applied after the last layer with weights, outermost first: {@code [softmax]} for
     * {@code Dense(softmax)}, {@code [softmax, softmax]} for {@code Dense(softmax)} followed by a {@code Softmax} layer,
     * {@code []} for a linear head. Dropout, Reshape and Flatten are looked through.
     */
    public List<String> outputActivations() {
        List<String> out = new ArrayList<>();
        KerasLayer l = outputLayer();
        while (true) {
            switch (l.className()) {
                case "Softmax" -> out.add("softmax");
                case "Activation" -> {
                    if (!l.activation().equals("linear")) {
                        out.add(l.activation());
                    }
                }
                case "ReLU" -> out.add("relu");
                case "LeakyReLU" -> out.add("leaky_relu");
                case "Dropout", "Reshape", "Flatten" -> { }
                default -> {
                    if (KerasLayer.KEYS.get(l.className()).contains("activation") && !l.activation().equals("linear")) {
                        out.add(l.activation());
                    }
                    return out;
                }
            }
            if (l.inbound().size() != 1) {
                return out;
            }
            l = layer(l.inbound().get(0));
        }
    }

    /** The last layer with weights (Dense or a convolution) the output depends on; null when there is none. */
    public KerasLayer finalWeightedLayer() {
        KerasLayer l = outputLayer();
        while (!hasKernel(l)) {
            if (l.inbound().size() != 1) {
                return null;
            }
            l = layer(l.inbound().get(0));
        }
        return l;
    }

    public static boolean hasKernel(KerasLayer l) {
        return Set.of("Dense", "Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose").contains(l.className());
    }

    /** Whether the output ends in a softmax (the layer's own activation or a Softmax / Activation layer). */
    public boolean outputsProbabilities() {
        List<String> a = outputActivations();
        return !a.isEmpty() && a.get(0).equals("softmax");
    }

    // ---- shapes -------------------------------------------------------------------------------------------------

    /**
     * Shapes and parameter counts, layer by layer.
     *
     * @param shapes      each layer's output shape without the batch dimension
     * @param trainable   per layer, parameters trained by gradients
     * @param frozen      per layer, parameters not trained ({@code trainable: false}) and batch-norm moving statistics
     * @param inputShape  the shape the network reads
     * @param weights     per layer with weights, in {@link #layers} order: its weights in Keras' order (what a weights
     *                    file holds for it)
     */
    public record Inferred(Map<String, long[]> shapes, Map<String, Long> trainable, Map<String, Long> frozen, long[] inputShape,
                           Map<String, List<Weight>> weights) {
        public long totalParameters() {
            return trainable.values().stream().mapToLong(Long::longValue).sum() + frozen.values().stream().mapToLong(Long::longValue).sum();
        }

        public long[] output() {
            long[] last = null;
            for (long[] s : shapes.values()) {
                last = s;
            }
            return last;
        }
    }

    /**
     * Checks every layer's input shape and computes its output.
     *
     * @param sampleShape what the data holds per sample; null: the definition's own input shape. When both are given
     *                    they must hold the same number of values (the flattened sample is reshaped to the declared shape)
     */
    public Inferred infer(int[] sampleShape) {
        long[] declared = declaredInputShape();
        long[] in;
        if (declared == null && sampleShape == null) {
            throw new KerasException("the definition declares no input shape and no data shape is known");
        } else if (declared == null) {
            in = Arrays.stream(sampleShape).asLongStream().toArray();
        } else {
            in = declared;
            if (sampleShape != null && Arrays.stream(sampleShape).asLongStream().reduce(1, (a, b) -> a * b)
                    != Arrays.stream(declared).reduce(1, (a, b) -> a * b)) {
                throw KerasException.layer(layers.get(0).name(), "InputLayer", "input shape " + Arrays.toString(declared)
                        + " does not fit the data's samples " + Arrays.toString(sampleShape));
            }
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, Long> trainable = new LinkedHashMap<>();
        Map<String, Long> frozen = new LinkedHashMap<>();
        Map<String, List<Weight>> weights = new LinkedHashMap<>();
        for (KerasLayer l : layers) {
            List<long[]> ins = new ArrayList<>();
            for (String s : l.inbound()) {
                ins.add(shapes.get(s));
            }
            Weights w = new Weights(l.name());
            long[] params = w.params;
            long[] out = l.className().equals("InputLayer") ? in : shape(l, ins, w);
            if (!w.list.isEmpty()) {
                weights.put(l.name(), List.copyOf(w.list));
            }
            for (long d : out) {
                if (d < 1) {
                    throw l.error("output shape " + Arrays.toString(out) + " has an empty dimension (input "
                            + (ins.isEmpty() ? "?" : Arrays.toString(ins.get(0))) + " too small)");
                }
            }
            shapes.put(l.name(), out);
            trainable.put(l.name(), l.trainable() ? params[0] : 0);
            frozen.put(l.name(), (l.trainable() ? 0 : params[0]) + params[1]);
        }
        Map<String, long[]> ordered = new LinkedHashMap<>(shapes);
        ordered.remove(output);
        ordered.put(output, shapes.get(output));
        return new Inferred(ordered, trainable, frozen, in, weights);
    }

    private static long convOut(long size, int k, int stride, int dilation, String padding) {
        long eff = (long) (k - 1) * dilation + 1;
        return padding.equals("same") ? (size + stride - 1) / stride : (size - eff) / stride + 1;
    }

    /** One weight a layer holds: {@code <layer>/<weight>} and its shape (what a weights file must hold for it). */
    public record Weight(String name, long[] shape) {
        long size() {
            return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }
    }

    /** A layer's weights as {@link #shape} finds them, in Keras' weight order, with their counts. */
    static final class Weights {
        final String layer;
        final List<Weight> list = new ArrayList<>();
        /** Trained (or frozen) weights, and moving statistics. */
        final long[] params = new long[2];

        Weights(String layer) {
            this.layer = layer;
        }

        void weight(String name, long... shape) {
            list.add(new Weight(layer + "/" + name, shape));
            params[0] += list.get(list.size() - 1).size();
        }

        void statistic(String name, long... shape) {
            list.add(new Weight(layer + "/" + name, shape));
            params[1] += list.get(list.size() - 1).size();
        }
    }

    /** Output shape of one layer; its weights go to {@code w}. */
    static long[] shape(KerasLayer l, List<long[]> ins, Weights w) {
        String c = l.className();
        boolean merge = c.equals("Add") || c.equals("Concatenate");
        if (merge ? ins.size() < 2 : ins.size() != 1) {
            throw l.error("reads " + ins.size() + " inputs, expected " + (merge ? "at least 2" : "1"));
        }
        long[] x = ins.get(0);
        java.util.function.Supplier<Void> image = () -> {
            if (x.length != 3) {
                throw l.error("expects an image input [height, width, channels], got " + Arrays.toString(x));
            }
            return null;
        };
        boolean bias = !l.has("use_bias") || l.bool("use_bias", true);
        switch (c) {
            case "Dense" -> {
                int units = l.intArg("units", -1);
                if (units < 1) {
                    throw l.error("argument 'units' must be >= 1");
                }
                long inUnits = x[x.length - 1];
                w.weight("kernel", inUnits, units);
                if (bias) {
                    w.weight("bias", units);
                }
                long[] out = x.clone();
                out[out.length - 1] = units;
                return out;
            }
            case "Conv2D", "SeparableConv2D", "DepthwiseConv2D" -> {
                image.get();
                int[] k = l.pair("kernel_size", -1);
                int[] s = l.pair("strides", 1);
                int[] d = l.pair("dilation_rate", 1);
                if (k[0] < 1 || k[1] < 1) {
                    throw l.error("argument 'kernel_size' is required");
                }
                long outC;
                if (c.equals("Conv2D")) {
                    outC = l.intArg("filters", -1);
                    if (outC >= 1) {
                        w.weight("kernel", k[0], k[1], x[2], outC);
                    }
                } else {
                    int mult = l.intArg("depth_multiplier", 1);
                    w.weight("depthwise_kernel", k[0], k[1], x[2], mult);
                    if (c.equals("SeparableConv2D")) {
                        outC = l.intArg("filters", -1);
                        if (outC >= 1) {
                            w.weight("pointwise_kernel", 1, 1, x[2] * mult, outC);
                        }
                    } else {
                        outC = x[2] * mult;
                    }
                }
                if (outC < 1) {
                    throw l.error("argument 'filters' must be >= 1");
                }
                if (bias) {
                    w.weight("bias", outC);
                }
                return new long[]{convOut(x[0], k[0], s[0], d[0], l.padding()), convOut(x[1], k[1], s[1], d[1], l.padding()), outC};
            }
            case "Conv2DTranspose" -> {
                image.get();
                int[] k = l.pair("kernel_size", -1);
                int[] s = l.pair("strides", 1);
                long f = l.intArg("filters", -1);
                if (k[0] < 1 || f < 1) {
                    throw l.error("arguments 'kernel_size' and 'filters' are required");
                }
                w.weight("kernel", k[0], k[1], f, x[2]);
                if (bias) {
                    w.weight("bias", f);
                }
                boolean same = l.padding().equals("same");
                return new long[]{same ? x[0] * s[0] : x[0] * s[0] + Math.max(k[0] - s[0], 0),
                        same ? x[1] * s[1] : x[1] * s[1] + Math.max(k[1] - s[1], 0), f};
            }
            case "MaxPooling2D", "AveragePooling2D" -> {
                image.get();
                int[] p = l.pair("pool_size", 2);
                int[] s = l.has("strides") ? l.pair("strides", 1) : p;
                return new long[]{convOut(x[0], p[0], s[0], 1, l.padding()), convOut(x[1], p[1], s[1], 1, l.padding()), x[2]};
            }
            case "GlobalAveragePooling2D", "GlobalMaxPooling2D" -> {
                image.get();
                return l.bool("keepdims", false) ? new long[]{1, 1, x[2]} : new long[]{x[2]};
            }
            case "ZeroPadding2D" -> {
                image.get();
                int[][] p = zeroPadding(l);
                return new long[]{x[0] + p[0][0] + p[0][1], x[1] + p[1][0] + p[1][1], x[2]};
            }
            case "Flatten" -> {
                return new long[]{Arrays.stream(x).reduce(1, (a, b) -> a * b)};
            }
            case "Reshape" -> {
                JsonNode t = l.config().get("target_shape");
                if (t == null || !t.isArray()) {
                    throw l.error("argument 'target_shape' is required");
                }
                long[] out = new long[t.size()];
                int unknown = -1;
                long known = 1;
                for (int i = 0; i < out.length; i++) {
                    out[i] = t.get(i).asLong();
                    if (out[i] == -1 && unknown < 0) {
                        unknown = i;
                    } else if (out[i] < 1) {
                        throw l.error("argument 'target_shape' = " + t + " is not a shape");
                    } else {
                        known *= out[i];
                    }
                }
                long total = Arrays.stream(x).reduce(1, (a, b) -> a * b);
                if (unknown >= 0) {
                    out[unknown] = total / known;
                }
                if (Arrays.stream(out).reduce(1, (a, b) -> a * b) != total) {
                    throw l.error("argument 'target_shape' = " + t + " does not hold the " + total + " values of " + Arrays.toString(x));
                }
                return out;
            }
            case "BatchNormalization" -> {
                int axis = bnAxis(l, x.length);
                if (axis != x.length - 1) {
                    throw l.error("argument 'axis' = " + axis + " is not supported (only the last axis, channels_last)");
                }
                long ch = x[axis];
                if (l.bool("scale", true)) {
                    w.weight("gamma", ch);
                }
                if (l.bool("center", true)) {
                    w.weight("beta", ch);
                }
                w.statistic("moving_mean", ch);
                w.statistic("moving_variance", ch);
                return x;
            }
            case "Add" -> {
                for (long[] o : ins) {
                    if (!Arrays.equals(o, x)) {
                        throw l.error("adds shapes " + Arrays.toString(x) + " and " + Arrays.toString(o) + " (broadcasting is not supported)");
                    }
                }
                return x;
            }
            case "Concatenate" -> {
                int axis = l.intArg("axis", -1);
                if (axis != -1 && axis != x.length) {
                    throw l.error("argument 'axis' = " + axis + " is not supported (only the last axis)");
                }
                long[] out = x.clone();
                out[out.length - 1] = 0;
                for (long[] o : ins) {
                    if (o.length != x.length || !Arrays.equals(Arrays.copyOf(o, o.length - 1), Arrays.copyOf(x, x.length - 1))) {
                        throw l.error("concatenates shapes " + Arrays.toString(x) + " and " + Arrays.toString(o)
                                + " that differ outside the last axis");
                    }
                    out[out.length - 1] += o[o.length - 1];
                }
                return out;
            }
            case "UpSampling2D" -> {
                image.get();
                int[] s = l.pair("size", 2);
                return new long[]{x[0] * s[0], x[1] * s[1], x[2]};
            }
            default -> {
                return x;
            }
        }
    }

    /** Batch norm's axis as a non-negative index; Keras 2 writes it as a one-element list. */
    public static int bnAxis(KerasLayer l, int rank) {
        int axis = l.intArg("axis", -1);
        return axis < 0 ? rank + axis : axis - 1;
    }

    /** ZeroPadding2D's ((top, bottom), (left, right)) from an int, a pair or a pair of pairs. */
    public static int[][] zeroPadding(KerasLayer l) {
        JsonNode p = l.config().get("padding");
        if (p == null || p.isNull()) {
            return new int[][]{{1, 1}, {1, 1}};
        }
        if (p.isInt()) {
            return new int[][]{{p.asInt(), p.asInt()}, {p.asInt(), p.asInt()}};
        }
        if (p.isArray() && p.size() == 2 && p.get(0).isInt()) {
            return new int[][]{{p.get(0).asInt(), p.get(0).asInt()}, {p.get(1).asInt(), p.get(1).asInt()}};
        }
        if (p.isArray() && p.size() == 2 && p.get(0).isArray()) {
            return new int[][]{{p.get(0).get(0).asInt(), p.get(0).get(1).asInt()}, {p.get(1).get(0).asInt(), p.get(1).get(1).asInt()}};
        }
        throw l.error("argument 'padding' = " + p + " is not an int, a pair or a pair of pairs");
    }

}
