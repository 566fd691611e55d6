package dev.preflight.nn;

import dev.preflight.wire.Batch;
import dev.preflight.wire.NamedTensor;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.preflight.nn.KerasDefs.cnn;
import static dev.preflight.nn.KerasDefs.config;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Keras HDF5 weight files by layer name: both layouts read, shapes checked by name, a written file reads back. */
class KerasWeightsTest {

    static Model model(String json, long seed) {
        return Models.create(config(json).withSeed(seed), new int[]{16, 16, 1}, 4, Task.CLASSIFICATION, 1);
    }

    @Test
    void trainedWeightsWrittenInTheKeras3LayoutLoadIntoAFreshModelExactly() throws Exception {
        Path file = Files.createTempDirectory("kw").resolve("model.weights.h5");
        Batch b = ModelZooTest.batch(8, 1, false);
        List<NamedTensor> trained;
        float loss;
        try (Model a = model(KerasArchitectureTest.resblock(true), 1)) {
            for (int i = 0; i < 3; i++) {
                a.trainStep(b, 1e-2f);
            }
            trained = a.parameters();
            loss = a.evaluate(b).loss();
            a.saveKerasWeights(file);
        }
        // Keras 3 names weight groups by class and position, not by layer name
        assertEquals(java.util.Set.of("conv2d", "batch_normalization", "conv2d_1", "dense"), KerasWeights.read(file).keySet());
        assertEquals(4, KerasWeights.read(file).get("batch_normalization").shapes().size(), "gamma, beta, moving mean, moving variance");
        try (Model fresh = model(KerasArchitectureTest.resblock(true), 2)) {
            assertNotEquals(loss, fresh.evaluate(b).loss());
            fresh.loadKerasWeights(file);
            for (int i = 0; i < trained.size(); i++) {
                assertArrayEquals(trained.get(i).values(), fresh.parameters().get(i).values(), trained.get(i).name());
            }
            assertEquals(loss, fresh.evaluate(b).loss());
        }
    }

    @Test
    void aShapeMismatchIsRefusedNamingTheLayerAndWeight() throws Exception {
        Path file = Files.createTempDirectory("kw").resolve("cnn.weights.h5");
        try (Model a = model(cnn(null), 1)) {
            a.saveKerasWeights(file);
        }
        String wider = cnn(null).replace("\"units\": 32", "\"units\": 16");
        try (Model b = model(wider, 1)) {
            assertEquals("layer 'hidden' weight 0 (hidden/kernel): the weights file has shape [512, 32], the model [512, 16]",
                    assertThrows(IllegalArgumentException.class, () -> b.loadKerasWeights(file)).getMessage());
        }
    }

    @Test
    void theKeras2LayoutIsReadByWeightNames() throws Exception {
        Path file = Files.createTempDirectory("kw").resolve("model.h5");
        Map<String, List<NamedTensor>> weights;
        try (Model a = model(cnn(null), 1)) {
            weights = a.kerasWeights();
        }
        try (WritableHdfFile hdf = HdfFile.write(file)) {
            WritableGroup root = hdf.putGroup("model_weights");
            root.putAttribute("layer_names", weights.keySet().toArray(new String[0]));
            for (var e : weights.entrySet()) {
                WritableGroup layer = root.putGroup(e.getKey());
                WritableGroup inner = layer.putGroup(e.getKey());
                String[] names = new String[e.getValue().size()];
                for (int i = 0; i < names.length; i++) {
                    NamedTensor t = e.getValue().get(i);
                    String leaf = t.name().substring(t.name().indexOf('/') + 1) + ":0";
                    names[i] = e.getKey() + "/" + leaf;
                    inner.putDataset(leaf, KerasWeights.nest(t.values(), t.shape()));
                }
                layer.putAttribute("weight_names", names);
            }
        }
        try (Model b = model(cnn(null), 2)) {
            b.loadKerasWeights(file);
            assertArrayEquals(weights.get("out").get(0).values(), b.kerasWeights().get("out").get(0).values());
        }
    }

    /**
     * What the gateway checks an upload against without TensorFlow ({@code KerasModel.infer(...).weights()}) is what
     * the built model holds: the same layers, weights and shapes in Keras' order (every weighted layer kind).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"cnn", "resblock", "unet"})
    void theDefinitionsInferredWeightsAreTheBuiltModels(String name) {
        String json = switch (name) {
            case "cnn" -> cnn(null);
            case "resblock" -> KerasArchitectureTest.resblock(true);
            default -> KerasArchitectureTest.unet();
        };
        Task task = name.equals("unet") ? Task.SEGMENTATION : Task.CLASSIFICATION;
        try (Model m = Models.create(config(json), new int[]{16, 16, 1}, 4, task, 1)) {
            Map<String, List<dev.preflight.keras.KerasModel.Weight>> inferred =
                    dev.preflight.keras.KerasModel.parse(json).infer(new int[]{16, 16, 1}).weights();
            assertEquals(List.copyOf(m.kerasWeights().keySet()), List.copyOf(inferred.keySet()));
            m.kerasWeights().forEach((layer, vars) -> {
                assertEquals(vars.stream().map(NamedTensor::name).toList(), inferred.get(layer).stream().map(dev.preflight.keras.KerasModel.Weight::name).toList());
                for (int i = 0; i < vars.size(); i++) {
                    assertArrayEquals(vars.get(i).shape(), inferred.get(layer).get(i).shape(), vars.get(i).name());
                }
            });
        }
    }
}
