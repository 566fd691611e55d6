package dev.preflight.nn;

import dev.preflight.keras.KerasException;
import dev.preflight.keras.KerasModel;
import dev.preflight.wire.Batch;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.NamedTensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.preflight.nn.KerasDefs.cnn;
import static dev.preflight.nn.KerasDefs.config;
import static dev.preflight.nn.KerasDefs.functional;
import static dev.preflight.nn.KerasDefs.input;
import static dev.preflight.nn.KerasDefs.layer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Imported Keras definitions build, train like zoo models, and keep the user's layer names. */
class KerasArchitectureTest {

    static final int H = ModelZooTest.H;
    static final int C = ModelZooTest.CLASSES;

    static Model model(String json, Task task) {
        return Models.create(config(json), new int[]{H, H, 1}, C, task, 1);
    }

    @Test
    void aKerasCnnIsNamedByItsLayersCountsLikeKerasAndStartsNearLnC() {
        try (Model m = model(cnn(null), Task.CLASSIFICATION)) {
            assertEquals(List.of("conv/kernel", "conv/bias", "hidden/kernel", "hidden/bias", "out/kernel", "out/bias"), m.parameterNames());
            assertEquals(KerasModel.parse(cnn(null)).infer(null).totalParameters(), m.parameterCount());
            assertEquals(3 * 3 * 8 + 8 + 8 * 8 * 8 * 32 + 32 + 32 * 4 + 4, m.parameterCount());
            float loss = m.evaluate(ModelZooTest.batch(64, 9, false)).loss();
            assertEquals(Math.log(C), loss, 0.5, "Glorot init and a softmax head start near ln C");
        }
    }

    @Test
    void theCorrectSetupOverfitsOneSampleAndSoftmaxTwiceCannot() {
        Batch one = ModelZooTest.batch(1, 5, false);
        String probabilities = cnn("\"sparse_categorical_crossentropy\"");
        String twice = cnn("{\"class_name\": \"SparseCategoricalCrossentropy\", \"config\": {\"from_logits\": true}}");
        try (Model right = model(probabilities, Task.CLASSIFICATION); Model wrong = model(twice, Task.CLASSIFICATION)) {
            float r = 0;
            float w = 0;
            for (int i = 0; i < 300; i++) {
                r = right.trainStep(one, 3e-3f).loss();
                w = wrong.trainStep(one, 3e-3f).loss();
            }
            assertTrue(r < 0.01, "softmax + cross-entropy on probabilities reaches ~0: " + r);
            // softmax of probabilities: the best it can do is e/(e+C-1) on the right class
            double floor = -Math.log(Math.E / (Math.E + C - 1));
            assertTrue(w > floor - 1e-3, "softmax twice stays above its floor " + floor + ": " + w);
        }
    }

    @Test
    void sameSeedSameCurveAndACheckpointResumesExactly() {
        Batch b = ModelZooTest.batch(16, 2, false);
        String json = resblock(true);
        float[] first = new float[6];
        float[] second = new float[6];
        List<NamedTensor> midway;
        try (Model a = model(json, Task.CLASSIFICATION)) {
            for (int i = 0; i < 3; i++) {
                first[i] = a.trainStep(b, 1e-2f).loss();
            }
            midway = a.state();
            for (int i = 3; i < 6; i++) {
                first[i] = a.trainStep(b, 1e-2f).loss();
            }
        }
        try (Model a = model(json, Task.CLASSIFICATION)) {
            for (int i = 0; i < 6; i++) {
                second[i] = a.trainStep(b, 1e-2f).loss();
            }
        }
        assertArrayEquals(first, second);
        try (Model resumed = model(json, Task.CLASSIFICATION)) {
            resumed.loadState(midway);
            resumed.setStepsTaken(3);
            for (int i = 3; i < 6; i++) {
                assertEquals(first[i], resumed.trainStep(b, 1e-2f).loss(), "step " + (i + 1));
            }
        }
    }

    /** Conv (no bias) -> BatchNorm -> ReLU -> Conv -> Add -> GAP -> Dropout -> Dense; the stem frozen on request. */
    static String resblock(boolean stemTrainable) {
        return functional("logits", null,
                input("in", H, H, 1),
                layer("Conv2D", "stem", "\"filters\": 4, \"kernel_size\": 3, \"padding\": \"same\", \"use_bias\": false", "in")
                        .replace("\"trainable\": true", "\"trainable\": " + stemTrainable),
                layer("BatchNormalization", "bn", "\"axis\": [3], \"momentum\": 0.9, \"epsilon\": 0.001", "stem"),
                layer("ReLU", "relu", "", "bn"),
                layer("Conv2D", "conv_b", "\"filters\": 4, \"kernel_size\": [3, 3], \"padding\": \"same\", \"kernel_initializer\": \"he_normal\"", "relu"),
                layer("Add", "add", "", "relu", "conv_b"),
                layer("GlobalAveragePooling2D", "gap", "", "add"),
                layer("Dropout", "drop", "\"rate\": 0.2", "gap"),
                layer("Dense", "logits", "\"units\": 4, \"kernel_initializer\": {\"class_name\": \"VarianceScaling\", "
                        + "\"config\": {\"scale\": 0.1, \"mode\": \"fan_avg\", \"distribution\": \"uniform\"}}", "drop"));
    }

    @Test
    void aFrozenLayerNeverMovesAndIsNoTrainableParameter() {
        Batch b = ModelZooTest.batch(16, 2, false);
        try (Model m = model(resblock(false), Task.CLASSIFICATION)) {
            assertTrue(m.parameterNames().stream().noneMatch(n -> n.startsWith("stem/")), m.parameterNames().toString());
            assertEquals(List.of("stem/kernel"), m.frozenParameterNames(), "what the trainer's never-updated warning names");
            float[] before = m.parameters().stream().filter(t -> t.name().equals("stem/kernel")).findFirst().orElseThrow().values();
            for (int i = 0; i < 3; i++) {
                m.trainStep(b, 1e-2f);
            }
            float[] after = m.parameters().stream().filter(t -> t.name().equals("stem/kernel")).findFirst().orElseThrow().values();
            assertArrayEquals(before, after);
        }
    }

    /** A U-Net-style segmenter touching the rest of the supported layers. */
    static String unet() {
        return functional("probs", "\"sparse_categorical_crossentropy\"",
                input("in", H, H, 1),
                layer("Rescaling", "scale", "\"scale\": 2.0, \"offset\": -1.0", "in"),
                layer("ZeroPadding2D", "pad", "\"padding\": [[1, 1], [1, 1]]", "scale"),
                layer("Conv2D", "enc", "\"filters\": 4, \"kernel_size\": 3, \"padding\": \"valid\", \"activation\": \"relu\"", "pad"),
                layer("DepthwiseConv2D", "dw", "\"kernel_size\": 3, \"padding\": \"same\", \"depth_multiplier\": 2, \"dilation_rate\": 2", "enc"),
                layer("LeakyReLU", "leaky", "\"alpha\": 0.1", "dw"),
                layer("AveragePooling2D", "down", "\"pool_size\": 2", "leaky"),
                layer("SeparableConv2D", "sep", "\"filters\": 8, \"kernel_size\": 3, \"padding\": \"same\", \"activation\": \"swish\"", "down"),
                layer("Conv2DTranspose", "up", "\"filters\": 4, \"kernel_size\": 3, \"strides\": 2, \"padding\": \"same\", \"activation\": \"relu\"", "sep"),
                layer("UpSampling2D", "up2", "\"size\": [2, 2], \"interpolation\": \"bilinear\"", "down"),
                layer("Concatenate", "cat", "\"axis\": -1", "enc", "up", "up2"),
                layer("Conv2D", "head", "\"filters\": 4, \"kernel_size\": 1", "cat"),
                layer("Softmax", "probs", "", "head"));
    }

    @Test
    void aUNetWithEverySupportedLayerKindTrainsAndEveryLayerGetsAGradient() {
        Batch b = ModelZooTest.batch(4, 3, true);
        try (Model m = model(unet(), Task.SEGMENTATION)) {
            Model.StepResult first = m.trainStep(b, 1e-2f);
            assertTrue(Float.isFinite(first.loss()) && first.gradNorm() > 0);
            for (int i = 0; i < first.updateRatios().length; i++) {
                assertTrue(first.updateRatios()[i] > 0, m.parameterNames().get(i) + " did not move");
            }
            float last = first.loss();
            for (int i = 0; i < 30; i++) {
                last = m.trainStep(b, 1e-2f).loss();
            }
            assertTrue(last < first.loss(), first.loss() + " -> " + last);
        }
    }

    @Test
    void outputsThatDoNotMatchTheDataAreNamed() {
        String five = cnn(null).replace("\"units\": 4, \"activation\": \"softmax\"", "\"units\": 5, \"activation\": \"softmax\"");
        assertEquals("layer 'out' (Dense): outputs [5], the dataset has 4 classes (expected [4])",
                assertThrows(KerasException.class, () -> model(five, Task.CLASSIFICATION)).getMessage());
    }

    @Test
    void theSavedModelServesTheKerasOutput() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("keras-export");
        try (Model m = model(cnn(null), Task.CLASSIFICATION)) {
            m.exportSavedModel(dir.resolve("m"));
        }
        assertTrue(java.nio.file.Files.exists(dir.resolve("m/saved_model.pb")));
        assertNotEquals(0, java.nio.file.Files.size(dir.resolve("m/saved_model.pb")));
    }

    @Test
    void theCompiledRegressionLossIsUsed() {
        String json = functional("y", "\"mean_absolute_error\"", input("in", 3), layer("Dense", "y", "\"units\": 2", "in"));
        ModelConfig c = KerasArchitecture.withCompiledLoss(KerasModel.parse(json), config(json));
        assertEquals(ModelConfig.Loss.L1, c.lossOrDefault(true));
    }

    /** The ablation stage's width draws (KerasWidths): each scaled definition builds its own model, and it trains. */
    @Test
    void widthScaledDefinitionsBuildAndTrainDistinctModels() throws Exception {
        Batch b = ModelZooTest.batch(8, 1, false);
        java.util.Set<Long> counts = new java.util.HashSet<>();
        for (double m : new double[]{0.5, 1, 2}) {
            String scaled = dev.preflight.keras.KerasWidths.scale(new com.fasterxml.jackson.databind.ObjectMapper().readTree(cnn(null)), m, false).toString();
            try (Model model = model(scaled, Task.CLASSIFICATION)) {
                long expected = KerasModel.parse(scaled).infer(new int[]{H, H, 1}).totalParameters();
                assertEquals(expected, model.parameterCount(), "width x" + m);
                counts.add(model.parameterCount());
                long[] hidden = model.kerasWeights().get("hidden").get(0).shape();
                assertArrayEquals(new long[]{H / 2 * (H / 2) * Math.round(8 * m), Math.round(32 * m)}, hidden,
                        "the hidden kernel reads the scaled conv and is scaled itself");
                float first = model.trainStep(b, 1e-2f).loss();
                float last = first;
                for (int i = 0; i < 20; i++) {
                    last = model.trainStep(b, 1e-2f).loss();
                }
                assertTrue(last < first, "width x" + m + ": " + first + " -> " + last);
            }
        }
        assertEquals(3, counts.size(), "three distinct models: " + counts);
    }
}
