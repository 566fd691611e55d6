package dev.preflight.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;
import dev.preflight.wire.ModelConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The zoo's generator: an image of the input's shape, trained with L1 through the ordinary training step,
 * started at the targets' mean, exported to Keras as the same function, and refused where it cannot apply.
 */
class GeneratorTest {

    static final int H = 8;

    /** Denoising pairs: targets are a bright square on black at a random place, inputs the same with uniform noise. */
    static Batch pairs(int n, long seed) {
        return pairs(n, seed, 60);
    }

    /** As {@link #pairs(int, long)} with noise uniform in [-noise, noise] (of 255). */
    static Batch pairs(int n, long seed, int noise) {
        SplittableRandom rng = new SplittableRandom(seed);
        int dim = H * H;
        byte[] inputs = new byte[n * dim];
        float[] targets = new float[n * dim];
        for (int i = 0; i < n; i++) {
            int x0 = rng.nextInt(0, H - 3);
            int y0 = rng.nextInt(0, H - 3);
            for (int p = 0; p < dim; p++) {
                int x = p % H;
                int y = p / H;
                int clean = x >= x0 && x < x0 + 3 && y >= y0 && y < y0 + 3 ? 200 : 0;
                targets[i * dim + p] = clean / 255f;
                inputs[i * dim + p] = (byte) Math.max(0, Math.min(255, clean + rng.nextInt(-noise, noise + 1)));
            }
        }
        return new Batch(0, 0, DType.UINT8, new int[]{H, H, 1}, 1, new int[n], inputs, null, targets, dim, null, null);
    }

    static ModelConfig generator() {
        return ModelConfig.builder(ModelConfig.Type.GENERATOR).seed(3L).learningRate(1e-2).channels(List.of(8, 16))
                .loss(ModelConfig.Loss.L1).build();
    }

    @Test
    void startsAtTheTargetMeanAndLearnsToDenoiseWithL1() {
        Batch b = pairs(16, 1);
        double mean = 0;
        for (float t : b.targets()) {
            mean += t;
        }
        mean /= b.targets().length;
        try (Model m = Models.forBatch(generator(), b, 1)) {
            Model.Evaluation init = m.evaluate(b);
            assertEquals(H * H * 16, init.outputs().length, "one image of the input's shape per sample");
            double outMean = 0;
            double constantL1 = 0;
            for (int i = 0; i < init.outputs().length; i++) {
                outMean += init.outputs()[i] / init.outputs().length;
                constantL1 += Math.abs(b.targets()[i] - mean) / init.outputs().length;
            }
            System.out.printf("generator at init: output mean %.4f (targets %.4f), L1 %.4f (predicting the mean: %.4f)%n",
                    outMean, mean, init.loss(), constantL1);
            // What init-check judges: the loss at init is that of predicting the mean.
            assertEquals(constantL1, init.loss(), 1e-5);
            for (float o : init.outputs()) {
                assertEquals(mean, o, 1e-6, "the mean everywhere");
            }
            double first = 0;
            double last = 0;
            for (int s = 0; s < 150; s++) {
                float loss = m.trainStep(b, 1e-2f).loss();
                first = s == 0 ? loss : first;
                last = loss;
            }
            double identity = 0;
            for (int i = 0; i < b.targets().length; i++) {
                identity += Math.abs((b.data()[i] & 0xFF) / 255.0 - b.targets()[i]);
            }
            identity /= b.targets().length;
            System.out.printf("generator L1 on 16 denoising pairs: %.4f -> %.4f after 150 steps (identity %.4f)%n", first, last, identity);
            assertTrue(last < first / 3, "L1 fell: " + first + " -> " + last);
            assertTrue(last < identity, "better than copying the noisy input: " + last + " vs " + identity);
        }
    }

    @Test
    void exportedToKerasAndImportedBackItOutputsTheSameImages() throws Exception {
        Batch b = pairs(4, 2);
        Path dir = Files.createTempDirectory("generator-keras");
        float[] trained;
        try (Model m = Models.forBatch(generator(), b, 1)) {
            for (int s = 0; s < 5; s++) {
                m.trainStep(b, 1e-2f);
            }
            trained = m.probabilities(b);
            m.exportKeras(dir);
        }
        JsonNode definition = new ObjectMapper().readTree(dir.resolve(Model.KERAS_DEFINITION_FILE).toFile());
        assertEquals("mean_absolute_error", definition.path("compile_config").path("loss").asText());
        ModelConfig imported = ModelConfig.builder(ModelConfig.Type.KERAS).seed(9L).learningRate(1e-2).keras(definition).build();
        try (Model k = Models.create(imported, b.sampleShape(), H * H, Task.REGRESSION, 1)) {
            k.loadKerasWeights(dir.resolve(Model.KERAS_WEIGHTS_FILE));
            float[] back = k.probabilities(b);
            assertEquals(trained.length, back.length);
            double max = 0;
            for (int i = 0; i < back.length; i++) {
                max = Math.max(max, Math.abs(back[i] - trained[i]));
            }
            assertTrue(max <= 1e-5, "max abs difference " + max);
        }
    }

    @Test
    void refusedWhereItCannotApply() {
        IllegalArgumentException classes = assertThrows(IllegalArgumentException.class,
                () -> Models.create(generator(), new int[]{H, H, 1}, 4, Task.CLASSIFICATION, 1));
        assertTrue(classes.getMessage().contains("needs paired data"), classes.getMessage());
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> Models.create(generator(), new int[]{H, H, 1}, 10, Task.REGRESSION, 1));
        assertTrue(width.getMessage().contains("the targets have 10 values per sample"), width.getMessage());
        ModelConfig deep = generator().toBuilder().channels(List.of(4, 8, 16, 32)).build();
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
                () -> Models.create(deep, new int[]{12, 12, 1}, 144, Task.REGRESSION, 1));
        assertTrue(odd.getMessage().contains("divisible by 8, got 12x12"), odd.getMessage());
    }
}
