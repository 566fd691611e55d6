package dev.preflight.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.wire.ModelConfig;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Hand-written Keras definitions in the Keras 2 functional format (what {@code model.to_json()} writes). */
final class KerasDefs {

    private KerasDefs() {
    }

    static String layer(String cls, String name, String config, String... inbound) {
        String nodes = inbound.length == 0 ? "[]"
                : "[[" + Arrays.stream(inbound).map(i -> "[\"" + i + "\", 0, 0, {}]").collect(Collectors.joining(", ")) + "]]";
        return "{\"class_name\": \"" + cls + "\", \"name\": \"" + name + "\", \"config\": {\"name\": \"" + name + "\", \"trainable\": true, "
                + "\"dtype\": \"float32\"" + (config.isEmpty() ? "" : ", " + config) + "}, \"inbound_nodes\": " + nodes + "}";
    }

    static String input(String name, int... shape) {
        return layer("InputLayer", name, "\"batch_input_shape\": [null, " + Arrays.stream(shape).mapToObj(String::valueOf)
                .collect(Collectors.joining(", ")) + "]");
    }

    /** A functional model from its layers (the first is the input), with an optional compile config loss. */
    static String functional(String output, String loss, String... layers) {
        String first = layers[0].replaceAll("(?s).*?\"name\": \"([^\"]+)\".*", "$1");
        return "{\"class_name\": \"Functional\", \"config\": {\"name\": \"m\", \"layers\": [" + String.join(", ", layers)
                + "], \"input_layers\": [[\"" + first + "\", 0, 0]], \"output_layers\": [[\"" + output + "\", 0, 0]]}"
                + (loss == null ? "" : ", \"compile_config\": {\"loss\": " + loss + "}") + "}";
    }

    static JsonNode tree(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(json, e);
        }
    }

    static ModelConfig config(String json) {
        return ModelConfig.builder(ModelConfig.Type.KERAS).seed(3L).learningRate(3e-3).keras(tree(json)).build();
    }

    /** A small CNN for 16x16x1 images and 4 classes, softmax output, with the given compiled loss (null: none). */
    static String cnn(String loss) {
        return functional("out", loss,
                input("in", 16, 16, 1),
                layer("Conv2D", "conv", "\"filters\": 8, \"kernel_size\": [3, 3], \"padding\": \"same\", \"activation\": \"relu\"", "in"),
                layer("MaxPooling2D", "pool", "\"pool_size\": [2, 2]", "conv"),
                layer("Flatten", "flat", "", "pool"),
                layer("Dense", "hidden", "\"units\": 32, \"activation\": \"relu\"", "flat"),
                layer("Dense", "out", "\"units\": 4, \"activation\": \"softmax\"", "hidden"));
    }
}
