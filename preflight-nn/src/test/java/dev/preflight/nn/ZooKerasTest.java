package dev.preflight.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.keras.KerasModel;
import dev.preflight.wire.Batch;
import dev.preflight.wire.ModelConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A zoo model exported as a Keras definition and weights ({@link Model#exportKeras}) is the same function: Preflight's
 * own Keras import of the exported files predicts what the zoo model predicts, to 1e-5, after training moved the
 * weights and the batch-norm statistics. (That real Keras reads the files the same way is {@code KerasParityTest}'s
 * part, CI only.) This is also the guard that {@link ZooKeras} still mirrors {@link Architectures}.
 */
class ZooKerasTest {

    static ModelConfig zoo(String variant) {
        ModelConfig.Builder b = switch (variant) {
            case "mlp" -> ModelConfig.builder(ModelConfig.Type.MLP).hiddenUnits(List.of(32, 16)).dropout(0.2);
            case "cnn" -> ModelConfig.builder(ModelConfig.Type.CNN).channels(List.of(4, 8)).hiddenUnits(List.of(16)).batchNorm(true);
            case "cnn-nobn" -> ModelConfig.builder(ModelConfig.Type.CNN).channels(List.of(4)).hiddenUnits(List.of(8));
            case "resnet" -> ModelConfig.builder(ModelConfig.Type.RESNET).channels(List.of(8)).batchNorm(true).dropout(0.1);
            case "resnet-nobn" -> ModelConfig.builder(ModelConfig.Type.RESNET).channels(List.of(8)).blocks(1);
            case "segnet" -> ModelConfig.builder(ModelConfig.Type.SEGNET).channels(List.of(4, 8)).batchNorm(true);
            default -> throw new IllegalArgumentException(variant);
        };
        return b.seed(7L).learningRate(1e-2).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "cnn-nobn", "resnet", "resnet-nobn", "segnet"})
    void anExportedZooModelImportedBackPredictsTheSame(String variant) throws Exception {
        boolean seg = variant.equals("segnet");
        Batch b = ModelZooTest.batch(8, 3, seg);
        Task task = seg ? Task.SEGMENTATION : Task.CLASSIFICATION;
        Path dir = Files.createTempDirectory("zoo-keras");
        float[] zooProbabilities;
        float[] untrained;
        try (Model m = Models.create(zoo(variant), b.sampleShape(), ModelZooTest.CLASSES, task, 1)) {
            untrained = ((GraphModel) m).probabilities(b);
            for (int i = 0; i < 5; i++) {
                m.trainStep(b, 1e-2f);
            }
            zooProbabilities = ((GraphModel) m).probabilities(b);
            m.exportKeras(dir);
        }
        JsonNode definition = new ObjectMapper().readTree(dir.resolve(Model.KERAS_DEFINITION_FILE).toFile());
        ModelConfig imported = ModelConfig.builder(ModelConfig.Type.KERAS).seed(99L).learningRate(1e-2).keras(definition).build();
        try (Model k = Models.create(imported, b.sampleShape(), ModelZooTest.CLASSES, task, 1)) {
            assertNotEquals(zooProbabilities[0], ((GraphModel) k).probabilities(b)[0], "another seed: other initial weights");
            k.loadKerasWeights(dir.resolve(Model.KERAS_WEIGHTS_FILE));
            float[] back = ((GraphModel) k).probabilities(b);
            assertEquals(zooProbabilities.length, back.length);
            double max = 0;
            double moved = 0;
            for (int i = 0; i < back.length; i++) {
                max = Math.max(max, Math.abs(back[i] - zooProbabilities[i]));
                moved = Math.max(moved, Math.abs(untrained[i] - zooProbabilities[i]));
            }
            System.out.printf("zoo %s exported to Keras and imported back: max |probability difference| %.3g (training moved them %.3g)%n",
                    variant, max, moved);
            assertTrue(moved > 1e-3, "training moved the predictions");
            assertTrue(max <= 1e-5, variant + ": max abs difference " + max);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cnn", "resnet"})
    void weightedLayersAreNamedAfterTheZoosVariables(String variant) {
        try (Model m = Models.create(zoo(variant), new int[]{16, 16, 1}, 4, Task.CLASSIFICATION, 1)) {
            KerasModel keras = KerasModel.parse(m.kerasDefinition());
            assertEquals("probabilities", keras.output());
            assertEquals(m.parameters().size(), m.kerasWeights().values().stream().mapToInt(List::size).sum(),
                    "every inference variable is some Keras layer's weight");
            List<String> expected = variant.equals("cnn")
                    ? List.of("conv_0", "conv_0_bn", "conv_1", "conv_1_bn", "dense_0", "logits_dense")
                    : List.of("stem", "stem_bn", "block_0_conv_a", "block_0_conv_a_bn", "block_0_conv_b", "block_0_conv_b_bn",
                    "block_1_conv_a", "block_1_conv_a_bn", "block_1_conv_b", "block_1_conv_b_bn", "logits_dense");
            assertEquals(expected, List.copyOf(m.kerasWeights().keySet()));
            String bn = variant.equals("cnn") ? "conv_0/bn/" : "stem/bn/";
            assertEquals(List.of(bn + "gamma", bn + "beta", bn + "moving_mean", bn + "moving_variance"),
                    m.kerasWeights().get(expected.get(1)).stream().map(dev.preflight.wire.NamedTensor::name).toList(), "Keras' order");
            assertEquals(m.parameterCount(), keras.infer(new int[]{16, 16, 1}).trainable().values().stream().mapToLong(Long::longValue).sum(),
                    "Keras counts the zoo's trainable parameters");
        }
    }
}
