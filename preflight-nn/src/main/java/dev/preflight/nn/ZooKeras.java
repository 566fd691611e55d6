package dev.preflight.nn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.preflight.wire.ModelConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A zoo model ({@link Architectures}) written as the Keras definition that computes the same function: the Keras 3
 * serialisation {@code model.to_json()} writes (a Functional model; {@code keras.models.model_from_json} rebuilds it,
 * and so does Preflight's own import), with each weighted layer named after the zoo's variable scope ({@code conv_0},
 * {@code block_0/conv_a} → {@code block_0_conv_a}: Keras refuses a '/' in a layer name) and {@link #weights} saying
 * which zoo variables are that layer's weights, in Keras' order.
 *
 * <p>It mirrors {@link Architectures} layer for layer (a change there needs the same change here; the Java-only
 * round trip in {@code ZooKerasTest} fails otherwise): same-padded 3x3 convolutions without bias when batch norm
 * follows (epsilon {@link Layers#BN_EPSILON}, momentum {@link Layers#BN_MOMENTUM}), 2x2/2 same-padded max pooling,
 * nearest upsampling by 2, a linear head. A classifier or segmenter ends in a softmax ({@code probabilities}, what the
 * SavedModel serves) with {@code sparse_categorical_crossentropy} as the compiled loss; a regressor's outputs are
 * linear with the run's l2 / l1 loss. The initialisers are the zoo's: He-uniform, and for the output layer a tenth of
 * Glorot-uniform (variance scaling 0.01, fan_avg, uniform). Training options that are not part of a Keras model
 * (optimiser, weight decay, class weights, schedule) are not written.
 */
final class ZooKeras {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A batch-norm layer's weights in Keras' order, by the zoo's variable leaf names. */
    private static final List<String> BN_WEIGHTS = List.of("gamma", "beta", "moving_mean", "moving_variance");

    /**
     * @param definition the Keras definition (Keras 3 {@code to_json} form, with a {@code compile_config} naming the loss)
     * @param weights    per Keras layer with weights, in definition order: the zoo variable names that are its weights,
     *                   in Keras' order (kernel, bias; gamma, beta, moving mean, moving variance)
     */
    record Export(ObjectNode definition, Map<String, List<String>> weights) {
    }

    private final ArrayNode layers = JSON.createArrayNode();
    private final Map<String, List<String>> weights = new LinkedHashMap<>();
    private int unnamed;

    private ZooKeras() {
    }

    /**
     * @param sampleShape one sample's shape ([features] or [height, width, channels])
     * @param outputs     classes, or the regression output width
     * @throws IllegalArgumentException for a Keras model (it has its definition already)
     */
    static Export of(ModelConfig c, int[] sampleShape, int outputs, Task task) {
        ZooKeras k = new ZooKeras();
        String x = k.input(sampleShape);
        if (c.inputsDropped()) {
            // The dropInputs fault drill multiplies the input by 0: so does the exported model.
            x = k.add("Rescaling", "drop_inputs", cfg("scale", 0.0, "offset", 0.0), x);
        }
        x = switch (c.modelType()) {
            case MLP -> k.denseStack(c, sampleShape.length > 1 ? k.add("Flatten", "flatten", cfg(), x) : x, c.hiddenOrDefault(), outputs);
            case CNN -> k.cnn(c, x, outputs);
            case RESNET -> k.resnet(c, x, outputs);
            case SEGNET -> k.conv("logits_conv", k.segnet(c, x), outputs, false, false, true);
            case GENERATOR -> k.generator(c, x, sampleShape);
            case KERAS -> throw new IllegalArgumentException("an imported Keras model is exported with its own definition");
        };
        String loss;
        if (task == Task.REGRESSION) {
            loss = c.lossOrDefault(true) == ModelConfig.Loss.L1 ? "mean_absolute_error" : "mean_squared_error";
        } else {
            x = k.add("Activation", "probabilities", cfg("activation", "softmax"), x);
            loss = "sparse_categorical_crossentropy";
        }
        ObjectNode config = JSON.createObjectNode();
        config.put("name", "preflight_" + c.type());
        config.put("trainable", true);
        config.set("layers", k.layers);
        config.set("input_layers", JSON.createArrayNode().add(ref("input")));
        config.set("output_layers", JSON.createArrayNode().add(ref(x)));
        ObjectNode root = JSON.createObjectNode();
        // Where Keras 3's to_json says the class lives; model_from_json refuses the public alias keras.Functional.
        root.put("module", "keras.src.models.functional");
        root.put("class_name", "Functional");
        root.set("config", config);
        root.put("registered_name", "Functional");
        root.set("compile_config", cfg("loss", loss));
        return new Export(root, k.weights);
    }

    private String cnn(ModelConfig c, String x, int outputs) {
        List<Integer> channels = c.channelsOrDefault();
        for (int i = 0; i < channels.size(); i++) {
            x = conv("conv_" + i, x, channels.get(i), c.batchNormOrDefault(), true, false);
            x = add("MaxPooling2D", "pool_" + i, pool(), x);
        }
        return denseStack(c, add("Flatten", "flatten", cfg(), x), c.hiddenOrDefault(), outputs);
    }

    private String resnet(ModelConfig c, String x, int outputs) {
        int width = c.channelsOrDefault().get(0);
        boolean bn = c.batchNormOrDefault();
        x = conv("stem", x, width, bn, true, false);
        x = add("MaxPooling2D", "stem_pool", pool(), x);
        for (int b = 0; b < c.blocksOrDefault(); b++) {
            String y = conv("block_" + b + "/conv_a", x, width, bn, true, false);
            y = conv("block_" + b + "/conv_b", y, width, bn, false, false);
            x = add("Add", "block_" + b + "_add", cfg(), x, y);
            x = add("Activation", "block_" + b + "_relu", cfg("activation", "relu"), x);
        }
        x = add("GlobalAveragePooling2D", "global_pool", cfg(), x);
        x = dropout(c, x);
        return dense("logits_dense", x, outputs, false, true);
    }

    private String segnet(ModelConfig c, String x) {
        List<Integer> channels = c.channelsOrDefault();
        boolean bn = c.batchNormOrDefault();
        List<String> skips = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) {
            x = conv("enc_" + i, x, channels.get(i), bn, true, false);
            skips.add(x);
            x = add("MaxPooling2D", "enc_" + i + "_pool", pool(), x);
        }
        for (int i = channels.size() - 1; i >= 0; i--) {
            x = add("UpSampling2D", "dec_" + i + "_up", cfg("size", JSON.createArrayNode().add(2).add(2), "interpolation", "nearest"), x);
            x = conv("dec_" + i, x, channels.get(i), bn, true, false);
            x = add("Add", "dec_" + i + "_skip", cfg(), x, skips.get(i));
        }
        return x;
    }

    /** {@link Architectures#generator}: stem, stride-2 convolutions down, resize-conv up with skips, linear output, flattened. */
    private String generator(ModelConfig c, String x, int[] shape) {
        List<Integer> channels = c.channelsOrDefault();
        boolean bn = c.batchNormOrDefault();
        x = conv("stem", x, channels.get(0), 1, bn, true, false);
        List<String> skips = new ArrayList<>();
        for (int i = 1; i < channels.size(); i++) {
            skips.add(x);
            x = conv("enc_" + i, x, channels.get(i), 2, bn, true, false);
        }
        for (int i = channels.size() - 1; i >= 1; i--) {
            x = add("UpSampling2D", "dec_" + i + "_up", cfg("size", JSON.createArrayNode().add(2).add(2), "interpolation", "nearest"), x);
            x = conv("dec_" + i, x, channels.get(i - 1), 1, bn, true, false);
            x = add("Add", "dec_" + i + "_skip", cfg(), x, skips.get(i - 1));
        }
        x = conv("output_conv", x, shape[2], 1, false, false, true);
        return add("Reshape", "outputs_flat", cfg("target_shape", JSON.createArrayNode().add(shape[0] * shape[1] * shape[2])), x);
    }

    private String denseStack(ModelConfig c, String x, List<Integer> hidden, int outputs) {
        for (int i = 0; i < hidden.size(); i++) {
            x = dropout(c, x);
            x = dense("dense_" + i, x, hidden.get(i), true, false);
        }
        x = dropout(c, x);
        return dense("logits_dense", x, outputs, false, true);
    }

    private String dropout(ModelConfig c, String x) {
        return c.dropoutOrDefault() > 0 ? add("Dropout", "dropout_" + unnamed++, cfg("rate", c.dropoutOrDefault()), x) : x;
    }

    private String input(int[] sampleShape) {
        ArrayNode shape = JSON.createArrayNode().addNull();
        for (int d : sampleShape) {
            shape.add(d);
        }
        return add("InputLayer", "input", cfg("batch_shape", shape, "dtype", "float32"));
    }

    private String dense(String scope, String x, int units, boolean relu, boolean output) {
        String name = add("Dense", kerasName(scope), cfg("units", units, "activation", relu ? "relu" : "linear", "use_bias", true,
                "kernel_initializer", kernelInit(output), "bias_initializer", init("Zeros", cfg())), x);
        weights.put(name, List.of(scope + "/kernel", scope + "/bias"));
        return name;
    }

    /** {@link Layers#conv}: 3x3 (1x1 for the output), same padding, stride 1; batch norm replaces the bias. */
    private String conv(String scope, String x, int filters, boolean bn, boolean relu, boolean output) {
        return conv(scope, x, filters, 1, bn, relu, output);
    }

    /** As {@link #conv(String, String, int, boolean, boolean, boolean)} with {@code stride} (TensorFlow's SAME padding). */
    private String conv(String scope, String x, int filters, int stride, boolean bn, boolean relu, boolean output) {
        int k = output ? 1 : 3;
        String name = add("Conv2D", kerasName(scope), cfg("filters", filters, "kernel_size", pair(k), "strides", pair(stride),
                "padding", "same", "activation", relu && !bn ? "relu" : "linear", "use_bias", !bn,
                "kernel_initializer", kernelInit(output), "bias_initializer", init("Zeros", cfg())), x);
        weights.put(name, bn ? List.of(scope + "/kernel") : List.of(scope + "/kernel", scope + "/bias"));
        if (!bn) {
            return name;
        }
        String norm = add("BatchNormalization", kerasName(scope + "/bn"), cfg("axis", -1, "momentum", (double) Layers.BN_MOMENTUM,
                "epsilon", (double) Layers.BN_EPSILON, "center", true, "scale", true), name);
        weights.put(norm, BN_WEIGHTS.stream().map(leaf -> scope + "/bn/" + leaf).toList());
        return relu ? add("Activation", name + "_relu", cfg("activation", "relu"), norm) : norm;
    }

    private static ObjectNode kernelInit(boolean output) {
        // Initializers.Init.HE is He-uniform; OUTPUT a tenth of Glorot-uniform's limit = variance scaling with scale 0.01.
        return output ? init("VarianceScaling", cfg("scale", 0.01, "mode", "fan_avg", "distribution", "uniform", "seed", null))
                : init("HeUniform", cfg("seed", null));
    }

    private static ObjectNode pool() {
        return cfg("pool_size", pair(2), "strides", pair(2), "padding", "same");
    }

    /** Appends a layer reading {@code inputs} (legacy node form, which Keras 3 reads too) and returns its name. */
    private String add(String cls, String name, ObjectNode config, String... inputs) {
        config.put("name", name);
        config.put("trainable", true);
        ObjectNode layer = JSON.createObjectNode();
        layer.put("module", "keras.layers");
        layer.put("class_name", cls);
        layer.set("config", config);
        layer.putNull("registered_name");
        layer.put("name", name);
        ArrayNode node = JSON.createArrayNode();
        for (String in : inputs) {
            node.add(JSON.createArrayNode().add(in).add(0).add(0).add(JSON.createObjectNode()));
        }
        layer.set("inbound_nodes", inputs.length == 0 ? JSON.createArrayNode() : JSON.createArrayNode().add(node));
        layers.add(layer);
        return name;
    }

    /** The Keras layer a zoo variable scope becomes: Keras refuses '/' in a layer name. */
    static String kerasName(String scope) {
        return scope.replace('/', '_');
    }

    private static ArrayNode ref(String layer) {
        return JSON.createArrayNode().add(layer).add(0).add(0);
    }

    private static ArrayNode pair(int v) {
        return JSON.createArrayNode().add(v).add(v);
    }

    private static ObjectNode init(String cls, ObjectNode config) {
        ObjectNode n = JSON.createObjectNode();
        n.put("module", "keras.initializers");
        n.put("class_name", cls);
        n.set("config", config);
        n.putNull("registered_name");
        return n;
    }

    /** An object from key, value pairs. */
    private static ObjectNode cfg(Object... kv) {
        ObjectNode n = JSON.createObjectNode();
        for (int i = 0; i < kv.length; i += 2) {
            n.set((String) kv[i], JSON.valueToTree(kv[i + 1]));
        }
        return n;
    }
}
