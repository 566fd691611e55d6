package dev.preflight.nn;

import dev.preflight.wire.NamedTensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MlpTest {

    static final int INPUT = 64;
    static final int CLASSES = 4;

    static float[] randomInputs(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n * INPUT];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble();
        }
        return x;
    }

    static int[] labels(int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % CLASSES;
        }
        return y;
    }

    @Test
    void lossAtInitIsCloseToLogOfClassCount() {
        try (Mlp mlp = new Mlp(INPUT, new int[]{32}, CLASSES, 1)) {
            float loss = mlp.evaluate(randomInputs(256, 9), labels(256)).loss();
            double expected = Math.log(CLASSES);
            assertTrue(Math.abs(loss - expected) / expected < 0.10, "loss at init " + loss + " vs ln(C) = " + expected);
        }
    }

    @Test
    void overfitsOneSample() {
        try (Mlp mlp = new Mlp(INPUT, new int[]{32}, CLASSES, 1)) {
            float[] x = randomInputs(1, 3);
            int[] y = {2};
            float first = mlp.trainStep(x, y, 1e-3f);
            float loss = first;
            for (int i = 1; i < 300; i++) {
                loss = mlp.trainStep(x, y, 1e-3f);
            }
            assertTrue(loss < 0.01f, "loss after 300 steps " + loss + " (first " + first + ")");
        }
    }

    @Test
    void zeroLearningRateLeavesTheLossWhereItWas() {
        try (Mlp mlp = new Mlp(INPUT, new int[]{32}, CLASSES, 1)) {
            float[] x = randomInputs(1, 3);
            int[] y = {2};
            float first = mlp.trainStep(x, y, 0f);
            float last = first;
            for (int i = 0; i < 20; i++) {
                last = mlp.trainStep(x, y, 0f);
            }
            assertEquals(first, last);
        }
    }

    @Test
    void sameSeedGivesBitwiseIdenticalLossCurves() {
        float[] a = curve(7);
        float[] b = curve(7);
        assertArrayEquals(a, b);
        assertNotEquals(a[0], curve(8)[0], "a different seed should give a different init");
    }

    private static float[] curve(long seed) {
        try (Mlp mlp = new Mlp(INPUT, new int[]{32, 16}, CLASSES, seed)) {
            float[] losses = new float[30];
            for (int s = 0; s < losses.length; s++) {
                losses[s] = mlp.trainStep(randomInputs(16, 100 + s), labels(16), 3e-3f);
            }
            return losses;
        }
    }

    @Test
    void parametersRoundTripIntoAnotherInstance() {
        try (Mlp trained = new Mlp(INPUT, new int[]{32}, CLASSES, 1);
             Mlp fresh = new Mlp(INPUT, new int[]{32}, CLASSES, 99)) {
            float[] x = randomInputs(8, 5);
            for (int i = 0; i < 10; i++) {
                trained.trainStep(x, labels(8), 1e-2f);
            }
            List<NamedTensor> params = trained.parameters();
            assertEquals(4, params.size());
            assertEquals((long) INPUT * 32 + 32 + 32 * CLASSES + CLASSES, trained.parameterCount());
            fresh.loadParameters(params);
            Classifier.Evaluation a = trained.evaluate(x, labels(8));
            Classifier.Evaluation b = fresh.evaluate(x, labels(8));
            assertEquals(a.loss(), b.loss());
            assertArrayEquals(a.predictions(), b.predictions());
        }
    }

    @Test
    void mismatchedParametersAreRejected() {
        try (Mlp a = new Mlp(INPUT, new int[]{32}, CLASSES, 1); Mlp b = new Mlp(INPUT, new int[]{16}, CLASSES, 1)) {
            assertThrows(IllegalArgumentException.class, () -> b.loadParameters(a.parameters()));
        }
    }
}
