package dev.preflight.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.wire.Json;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KerasModelTest {

    static String resource(String name) {
        try (InputStream in = KerasModelTest.class.getResourceAsStream("/keras/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode tree(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void keras2SequentialWithTheInputShapeOnTheFirstLayer() {
        KerasModel m = KerasModel.parse(resource("k2_sequential_cnn.json"));
        assertEquals(List.of("input", "conv2d", "max_pooling2d", "flatten", "dense"), m.layers().stream().map(KerasLayer::name).toList());
        assertArrayEquals(new long[]{28, 28, 1}, m.declaredInputShape());
        KerasModel.Inferred s = m.infer(new int[]{28, 28, 1});
        assertArrayEquals(new long[]{14, 14, 8}, s.shapes().get("max_pooling2d"));
        assertArrayEquals(new long[]{10}, s.output());
        assertEquals(3 * 3 * 8 + 8 + 14 * 14 * 8 * 10 + 10, s.totalParameters());
        assertNull(m.loss(), "to_json() carries no compile config");
        assertTrue(m.outputsProbabilities());
        assertEquals(List.of("softmax"), m.outputActivations());
    }

    @Test
    void keras3FunctionalWithAddBatchNormAndTheCompiledLoss() {
        KerasModel m = KerasModel.parse(resource("k3_functional_resblock.json"));
        assertEquals("logits", m.output());
        assertEquals(List.of("relu", "conv_b"), m.layer("add").inbound());
        assertEquals(new KerasLoss(KerasLoss.Kind.CROSS_ENTROPY, true, "compile_config"), m.loss());
        KerasModel.Inferred s = m.infer(null);
        assertEquals(8L, s.trainable().get("bn"));
        assertEquals(8L, s.frozen().get("bn"), "moving mean and variance");
        assertArrayEquals(new long[]{3}, s.output());
        assertFalse(m.outputsProbabilities());
        KerasInit init = m.layer("logits").init("kernel_initializer", KerasInit.GLOROT_UNIFORM);
        assertEquals(0.1, init.scale());
        assertEquals("uniform", init.distribution());
    }

    @Test
    void inputLayersAsOneTripleAndLossAsAStringOrFunctionAreAccepted() {
        String json = resource("k3_functional_resblock.json").replace("\"input_layers\": [[\"input_layer\", 0, 0]]",
                "\"input_layers\": [\"input_layer\", 0, 0]");
        assertEquals("input_layer", KerasModel.parse(json).layers().get(0).name());
        assertEquals(new KerasLoss(KerasLoss.Kind.CROSS_ENTROPY, false, "x"), KerasModel.loss(tree("\"categorical_crossentropy\""), "x"));
        assertEquals(new KerasLoss(KerasLoss.Kind.MSE, false, "x"),
                KerasModel.loss(tree("{\"module\": \"keras.losses\", \"class_name\": \"function\", \"config\": \"mean_squared_error\"}"), "x"));
    }

    @Test
    void anUnsupportedLayerArgumentOrValueIsNamed() {
        String cnn = resource("k2_sequential_cnn.json");
        assertEquals("layer 'conv2d' (Conv2D): argument 'groups' = 2 is not supported (only 1)",
                assertThrows(KerasException.class, () -> KerasModel.parse(cnn.replace("\"groups\": 1", "\"groups\": 2"))).getMessage());
        assertEquals("layer 'conv2d' (Conv2D): argument 'kernel_regularizer' = {\"class_name\":\"L2\"} is not supported",
                assertThrows(KerasException.class, () -> KerasModel.parse(cnn.replace("\"kernel_regularizer\": null",
                        "\"kernel_regularizer\": {\"class_name\": \"L2\"}"))).getMessage());
        assertTrue(assertThrows(KerasException.class, () -> KerasModel.parse(cnn.replace("\"Flatten\"", "\"LSTM\""))).getMessage()
                .startsWith("layer 'flatten': class 'LSTM' is not supported"));
        assertTrue(assertThrows(KerasException.class, () -> KerasModel.parse(cnn.replace("\"activation\": \"relu\"", "\"activation\": \"mish\"")))
                .getMessage().startsWith("layer 'conv2d' (Conv2D): argument 'activation' = 'mish' is not supported"));
        assertTrue(assertThrows(KerasException.class, () -> KerasModel.parse(cnn.replace("\"padding\": \"same\"", "\"padding\": \"causal\"")))
                .getMessage().startsWith("layer 'conv2d' (Conv2D): argument 'padding' = 'causal' is not supported"));
        assertEquals("layer 'conv2d' (Conv2D): argument 'dtype' = 'float16' is not supported (only float32)",
                assertThrows(KerasException.class, () -> KerasModel.parse(cnn.replaceFirst("\"dtype\": \"float32\"", "\"dtype\": \"float16\""))).getMessage());
    }

    @Test
    void keysLeftOffOrCosmeticAreIgnoredOthersAreNot() {
        String cnn = resource("k2_sequential_cnn.json").replace("\"groups\": 1,", "\"groups\": 1, \"lora_rank\": null, \"some_future_flag\": false,");
        KerasModel.parse(cnn);
        assertThrows(KerasException.class, () -> KerasModel.parse(cnn.replace("\"some_future_flag\": false", "\"some_future_flag\": true")));
    }

    @Test
    void shapeMismatchesAreNamedByLayer() {
        String json = resource("k2_sequential_cnn.json").replace("\"kernel_size\": [3, 3]", "\"kernel_size\": [30, 30]")
                .replace("\"padding\": \"same\"", "\"padding\": \"valid\"");
        assertTrue(assertThrows(KerasException.class, () -> KerasModel.parse(json).infer(null)).getMessage()
                .startsWith("layer 'conv2d' (Conv2D): output shape [-1, -1, 8] has an empty dimension"));
        assertTrue(assertThrows(KerasException.class, () -> KerasModel.parse(resource("k2_sequential_cnn.json")).infer(new int[]{32, 32, 1}))
                .getMessage().contains("does not fit the data's samples [32, 32, 1]"));
    }

    @Test
    void anInvalidDefinitionIsARunSpecProblem() {
        ModelConfig ok = ModelConfig.builder(ModelConfig.Type.KERAS).seed(1L).learningRate(1e-3).keras(tree(resource("k2_sequential_cnn.json"))).build();
        RunSpec spec = new RunSpec("shapes", new dev.preflight.wire.DataConfig(1L, 0, 8, 0.2), ok, 10, null);
        assertEquals(List.of(), spec.problems());
        RunSpec decoded = Json.decode(Json.encode(spec), RunSpec.class);
        assertEquals(spec, decoded, "the definition travels inside the spec");
        ModelConfig bad = ok.toBuilder().keras(tree(resource("k2_sequential_cnn.json").replace("\"groups\": 1", "\"groups\": 2"))).build();
        assertEquals(List.of("model.keras: layer 'conv2d' (Conv2D): argument 'groups' = 2 is not supported (only 1)"),
                new RunSpec("shapes", new dev.preflight.wire.DataConfig(1L, 0, 8, 0.2), bad, 10, null).problems());
        assertEquals(List.of("model.keras (the Keras model definition) is required with type keras"),
                new RunSpec("shapes", new dev.preflight.wire.DataConfig(1L, 0, 8, 0.2), ok.toBuilder().keras(null).build(), 10, null).problems());
        assertTrue(ok.hasFancyFeatures() == false);
        assertTrue(ModelConfig.builder(ModelConfig.Type.KERAS).seed(1L).learningRate(1e-3).keras(tree(resource("k3_functional_resblock.json")))
                .build().hasFancyFeatures(), "batch norm in the definition");
    }

    @Test
    void keras3WeightFilesNameLayersByClassAndPositionNotByName() {
        KerasModel m = KerasModel.parse(resource("k3_functional_resblock.json"));
        assertEquals(java.util.Map.of("input_layer", "input_layer", "stem", "conv2d", "bn", "batch_normalization", "relu", "re_lu",
                "conv_b", "conv2d_1", "add", "add", "gap", "global_average_pooling2d", "logits", "dense"), m.keras3WeightPaths());
        assertEquals("conv2d_transpose", KerasModel.snake("Conv2DTranspose"));
        assertEquals("separable_conv2d", KerasModel.snake("SeparableConv2D"));
    }
}
