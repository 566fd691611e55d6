package dev.preflight.nn;

import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.NamedTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recipe's checks, per model of the zoo: loss at init, overfit 1 and 10 samples, gradients reach every layer. */
class ModelZooTest {

    static final int H = 16;
    static final int CLASSES = 4;

    static ModelConfig config(String type) {
        return new ModelConfig(type, 3L, 3e-3, type.equals("mlp") ? List.of(64) : null);
    }

    /** n random 16x16 images; labels i % 4 (segmentation: a learnable mask per image). */
    static Batch batch(int n, long seed, boolean masks) {
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] pixels = new byte[n * H * H];
        rng.nextBytes(pixels);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % CLASSES;
        }
        byte[] m = null;
        if (masks) {
            m = new byte[n * H * H];
            for (int i = 0; i < m.length; i++) {
                // The class of a pixel is its brightness quartile: learnable per pixel.
                m[i] = (byte) ((pixels[i] & 0xFF) / 64);
            }
            labels = new int[n];
        }
        return new Batch(0, 0, DType.UINT8, new int[]{H, H, 1}, CLASSES, labels, pixels, m, null, 0, null, null);
    }

    static Model model(String type) {
        return Models.create(config(type), new int[]{H, H, 1}, CLASSES, type.equals("segnet") ? Task.SEGMENTATION : Task.CLASSIFICATION, 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "resnet", "segnet"})
    void lossAtInitIsWithinTenPercentOfLnC(String type) {
        try (Model m = model(type)) {
            float loss = m.evaluate(batch(64, 9, type.equals("segnet"))).loss();
            double lnC = Math.log(CLASSES);
            assertTrue(Math.abs(loss - lnC) / lnC < 0.10, type + ": loss at init " + loss + " vs ln(C) " + lnC);
            assertTrue(m.parameterCount() < Models.EARLY_STAGE_PARAMETER_BUDGET, type + " has " + m.parameterCount() + " parameters");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "resnet", "segnet"})
    void overfitsOneSampleAndTenSamples(String type) {
        boolean seg = type.equals("segnet");
        try (Model m = model(type)) {
            float loss = train(m, batch(1, 4, seg), 300, 0.01f);
            assertTrue(loss < 0.01, type + " did not memorise one sample: " + loss);
        }
        try (Model m = model(type)) {
            // Per-pixel thresholds on noise are the hardest thing to memorise here; the budget stays bounded.
            float loss = train(m, batch(10, 5, seg), seg ? 1500 : 500, 0.05f);
            assertTrue(loss < 0.05, type + " did not memorise ten samples: " + loss);
        }
    }

    /**
     * Trains until the loss is below half the target (or the budget runs out); returns the last loss, which the caller
     * asserts below the target. Half, not a fixed 0.005: the segmenter's ten-sample run spent most of its steps (and
     * most of this class's time) going from its target 0.05 down to 0.005, which the assertion never looked at.
     */
    static float train(Model m, Batch b, int maxSteps, float target) {
        float loss = Float.NaN;
        int s = 0;
        while (s < maxSteps) {
            loss = m.trainStep(b, 3e-3f).loss();
            s++;
            if (loss < target / 2) {
                break;
            }
        }
        System.out.printf("overfit %d samples: loss %.4f after %d steps (target %.2f)%n", b.labels().length, loss, s, target);
        return loss;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "resnet", "segnet"})
    void gradientReachesEveryLayer(String type) {
        try (Model m = model(type)) {
            Model.StepResult r = m.trainStep(batch(8, 6, type.equals("segnet")), 1e-3f);
            List<String> names = m.parameterNames();
            assertEquals(names.size(), r.updateRatios().length);
            assertTrue(r.gradNorm() > 0);
            for (int i = 0; i < names.size(); i++) {
                assertTrue(r.updateRatios()[i] > 0, type + ": " + names.get(i) + " did not move");
            }
        }
    }

    @Test
    void zeroLearningRateMovesNoLayer() {
        try (Model m = model("cnn")) {
            Model.StepResult r = m.trainStep(batch(8, 6, false), 0f);
            for (float ratio : r.updateRatios()) {
                assertEquals(0f, ratio);
            }
            assertTrue(r.gradNorm() > 0, "the gradient exists; only the step is zero");
        }
    }

    @ParameterizedTest
    @EnumSource(ModelConfig.Optimizer.class)
    void sameSeedsGiveBitwiseIdenticalLossCurvesWithEveryFeatureOn(ModelConfig.Optimizer optimizer) {
        float[] a = curve(featureful(11L, optimizer));
        float[] b = curve(featureful(11L, optimizer));
        assertArrayEquals(a, b);
        assertNotEquals(a[0], curve(featureful(12L, optimizer))[0]);
    }

    static ModelConfig featureful(long seed, ModelConfig.Optimizer optimizer) {
        return ModelConfig.builder(ModelConfig.Type.CNN).seed(seed).learningRate(1e-2).hiddenUnits(List.of(32))
                .channels(List.of(8, 16)).optimizer(optimizer).dropout(0.3).batchNorm(true)
                .weightDecay(1e-4).lrSchedule(ModelConfig.Schedule.COSINE, null, null).build();
    }

    static float[] curve(ModelConfig c) {
        try (Model m = Models.create(c, new int[]{H, H, 1}, CLASSES, 2)) {
            float[] losses = new float[20];
            for (int s = 0; s < losses.length; s++) {
                losses[s] = m.trainStep(batch(16, 100 + s, false), (float) c.learningRateAt(s + 1, 20)).loss();
            }
            return losses;
        }
    }

    @Test
    void checkpointResumesBitForBitWithDropoutOn() {
        ModelConfig c = ModelConfig.builder(ModelConfig.Type.MLP).seed(5L).learningRate(1e-2).hiddenUnits(List.of(32)).dropout(0.2).build();
        float[] straight = new float[10];
        try (Model m = Models.create(c, new int[]{H, H, 1}, CLASSES, 1)) {
            for (int s = 0; s < 10; s++) {
                straight[s] = m.trainStep(batch(8, s, false), 1e-2f).loss();
            }
        }
        List<NamedTensor> checkpoint;
        float[] resumed = new float[10];
        try (Model m = Models.create(c, new int[]{H, H, 1}, CLASSES, 1)) {
            for (int s = 0; s < 5; s++) {
                resumed[s] = m.trainStep(batch(8, s, false), 1e-2f).loss();
            }
            checkpoint = m.state();
        }
        try (Model m = Models.create(c, new int[]{H, H, 1}, CLASSES, 1)) {
            m.loadState(checkpoint);
            m.setStepsTaken(5);
            for (int s = 5; s < 10; s++) {
                resumed[s] = m.trainStep(batch(8, s, false), 1e-2f).loss();
            }
        }
        assertArrayEquals(straight, resumed);
    }

    @Test
    void snapshotsCarryBatchNormStatisticsSoEvaluationElsewhereMatches() {
        ModelConfig c = ModelConfig.builder(ModelConfig.Type.CNN).seed(5L).learningRate(1e-2).hiddenUnits(List.of(16))
                .channels(List.of(8)).batchNorm(true).build();
        Batch b = batch(16, 3, false);
        try (Model trained = Models.create(c, new int[]{H, H, 1}, CLASSES, 1);
             Model elsewhere = Models.create(c, new int[]{H, H, 1}, CLASSES, 1)) {
            for (int s = 0; s < 20; s++) {
                trained.trainStep(b, 1e-2f);
            }
            elsewhere.loadParameters(trained.parameters());
            assertEquals(trained.evaluate(b).loss(), elsewhere.evaluate(b).loss());
            assertTrue(trained.parameters().stream().anyMatch(t -> t.name().endsWith("moving_mean")));
        }
    }

    @Test
    void classWeightsChangeTheLossAndLogPriorBiasMatchesPriors() {
        Batch plain = batch(8, 1, false);
        Batch weighted = plain.withStreamMeta(new int[]{70, 10, 10, 10}, new float[]{0.1f, 3f, 3f, 3f});
        ModelConfig c = ModelConfig.builder(ModelConfig.Type.MLP).seed(5L).learningRate(1e-3).hiddenUnits(List.of(16))
                .biasInit(ModelConfig.BiasInit.LOG_PRIOR).build();
        try (Model m = Models.forBatch(c, weighted, 1)) {
            assertNotEquals(m.evaluate(plain).loss(), m.evaluate(weighted).loss());
            // Logits near zero plus the log-prior bias: the prediction is the prior, so class 0 (prior 0.7) costs ~ -ln 0.7.
            Batch zeros = new Batch(0, 0, DType.UINT8, new int[]{H, H, 1}, CLASSES, new int[]{0}, new byte[H * H]);
            float loss = m.evaluate(zeros).loss();
            assertEquals(-Math.log(0.7), loss, 0.05);
        }
        assertThrows(IllegalArgumentException.class, () -> Models.forBatch(c, plain, 1), "log-prior needs class counts");
    }

    @ParameterizedTest
    @EnumSource(value = ModelConfig.Loss.class, names = {"L1", "L2"})
    void regressionLearnsTargets(ModelConfig.Loss loss) {
        ModelConfig c = ModelConfig.builder(ModelConfig.Type.MLP).seed(5L).learningRate(1e-2).hiddenUnits(List.of(32))
                .loss(loss).build();
        Batch b = batch(8, 2, false);
        float[] targets = new float[8 * 2];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = (i % 3) - 1f;
        }
        Batch reg = new Batch(0, 0, b.dtype(), b.sampleShape(), 1, new int[8], b.data(), null, targets, 2, null, null);
        try (Model m = Models.create(c, reg.sampleShape(), 2, Task.REGRESSION, 1)) {
            float first = m.evaluate(reg).loss();
            for (int s = 0; s < 300; s++) {
                m.trainStep(reg, 1e-2f);
            }
            Model.Evaluation e = m.evaluate(reg);
            assertEquals(16, e.outputs().length);
            assertTrue(e.loss() < first * 0.1, loss + ": " + first + " -> " + e.loss());
        }
    }

    @Test
    void wrongTaskOrShapeIsANamedError() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Models.create(config("segnet"), new int[]{H, H, 1}, CLASSES, 1))
                .getMessage().contains("masks"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Models.create(config("cnn"), new int[]{256}, CLASSES, 1))
                .getMessage().contains("image samples"));
        try (Model m = model("mlp")) {
            Batch wrong = new Batch(0, 0, DType.UINT8, new int[]{8, 8, 1}, CLASSES, new int[]{0}, new byte[64]);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> m.evaluate(wrong)).getMessage().contains("built for"));
        }
    }

    @Test
    void exportsASavedModelWithAServingSignature() throws Exception {
        Path dir = Files.createTempDirectory("savedmodel");
        Batch b = batch(3, 8, false);
        try (Model m = model("cnn")) {
            m.trainStep(b, 1e-3f);
            m.exportSavedModel(dir);
            int[] expected = m.evaluate(b).predictions();
            try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve");
                 TFloat32 x = TFloat32.tensorOf(Shape.of(3, H * H), DataBuffers.of(b.features(), true, false));
                 Result out = bundle.function("serving_default").call(Map.of("features", x))) {
                Tensor probs = out.get("probabilities").orElseThrow();
                assertEquals(Shape.of(3, H, H, 1).numDimensions() - 2, probs.shape().numDimensions());
                float[] p = new float[3 * CLASSES];
                ((TFloat32) probs).copyTo(DataBuffers.of(p, false, false));
                for (int i = 0; i < 3; i++) {
                    int best = 0;
                    for (int c = 1; c < CLASSES; c++) {
                        if (p[i * CLASSES + c] > p[i * CLASSES + best]) {
                            best = c;
                        }
                    }
                    assertEquals(expected[i], best, "served prediction " + i);
                }
            }
        }
    }
}
