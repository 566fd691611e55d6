package dev.preflight.nn;

import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;
import dev.preflight.wire.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.OptionalInt;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The services' thread settings and the kept feed tensors: reproducibility must survive both (same seed, same curve,
 * bit for bit, with several intra-op threads and spinning off), and a kept tensor must never leak one batch into the
 * next.
 */
class TfThreadsTest {

    private static Batch batch(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] pixels = new byte[n * 784];
        rng.nextBytes(pixels);
        return new Batch(seed, 0, DType.UINT8, new int[]{28, 28, 1}, 10, rng.ints(n, 0, 10).toArray(), pixels);
    }

    private static float[] curve(TfThreads threads, int steps) {
        float[] losses = new float[steps];
        try (Model m = Models.forBatch(new ModelConfig("cnn", 42L, 1e-3, null), batch(32, 0), threads)) {
            for (int i = 0; i < steps; i++) {
                losses[i] = m.trainStep(batch(32, i % 3), 1e-3f).loss();
            }
        }
        return losses;
    }

    @Test
    void sameSeedGivesTheSameCurveBitForBitWithSeveralThreadsAndNoSpinning() {
        TfThreads threads = new TfThreads(4, 2, false);
        float[] a = curve(threads, 12);
        float[] b = curve(threads, 12);
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), "step " + (i + 1));
        }
        assertNotEquals(a[0], a[a.length - 1], "the model trains");
    }

    @Test
    void keptFeedTensorsAreRewrittenForEveryBatchOfEverySize() {
        try (Model m = Models.forBatch(new ModelConfig("cnn", 42L, 1e-3, null), batch(64, 1), TfThreads.of(1))) {
            Model.Evaluation first = m.evaluate(batch(64, 1));
            // More sizes than the feeds keep at once, then the first again: same numbers as the first time.
            float[] others = new float[6];
            for (int i = 0; i < others.length; i++) {
                others[i] = m.evaluate(batch(8 + i, 100 + i)).loss();
            }
            assertEquals(first.loss(), m.evaluate(batch(64, 1)).loss());
            assertNotEquals(first.loss(), m.evaluate(batch(64, 2)).loss(), "another batch of the same size is not the kept one");
            try (Model fresh = Models.forBatch(new ModelConfig("cnn", 42L, 1e-3, null), batch(64, 1), TfThreads.of(1))) {
                assertEquals(others[3], fresh.evaluate(batch(11, 103)).loss(), "a size seen after eviction matches a fresh model");
            }
        }
    }

    @Test
    void threadSettingsAreCheckedAndAnUnsetCountMeansEveryCore() {
        assertThrows(IllegalArgumentException.class, () -> new TfThreads(0, 1, false));
        assertThrows(IllegalArgumentException.class, () -> new TfThreads(1, 0, false));
        assertEquals(Runtime.getRuntime().availableProcessors(), TfThreads.configured(OptionalInt.empty(), 1, false).intraOp());
        assertEquals(Runtime.getRuntime().availableProcessors(), TfThreads.configured(OptionalInt.of(0), 1, false).intraOp());
        assertEquals(3, TfThreads.configured(OptionalInt.of(3), 2, true).intraOp());
    }
}
