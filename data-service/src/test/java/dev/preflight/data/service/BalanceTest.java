package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DataConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BalanceTest {

    /** 3 classes with 60, 30 and 10 samples. */
    private static Dataset imbalanced() {
        int n = 100;
        int[] labels = new int[n];
        byte[] pixels = new byte[n * 4];
        for (int i = 0; i < n; i++) {
            labels[i] = i < 60 ? 0 : i < 90 ? 1 : 2;
            pixels[i * 4] = (byte) i;
        }
        return new Dataset("imb", new int[]{2, 2, 1}, 3, labels, pixels);
    }

    private static DataConfig config(String balance) {
        return new DataConfig(5L, 0, 20, 0.2, null, null, balance);
    }

    @Test
    void inverseFrequencyWeightsHaveMeanOneOverSamples() {
        int[] counts = {60, 30, 10, 0};
        float[] w = ClassBalance.inverseFrequencyWeights(counts);
        assertArrayEquals(new float[]{100f / 180, 100f / 90, 100f / 30, 0f}, w, 1e-6f);
        double mean = 0;
        for (int c = 0; c < counts.length; c++) {
            mean += counts[c] * (double) w[c];
        }
        assertEquals(1.0, mean / 100, 1e-6);
        // Every present class gets the same total weight.
        assertEquals(counts[0] * w[0], counts[2] * w[2], 1e-4);
    }

    @Test
    void weightsAndCountsTravelWithEveryTrainBatch() {
        TrainBatches t = TrainBatches.forRun(imbalanced(), config("weights"));
        int[] counts = t.classCounts();
        assertArrayEquals(new int[]{48, 24, 8}, counts, "the train split's histogram (valFraction 0.2)");
        for (long i = 0; i < 6; i++) {
            Batch b = BatchCodec.decode(BatchCodec.encode(t.batch(i)));
            assertArrayEquals(counts, b.classCounts());
            assertArrayEquals(ClassBalance.inverseFrequencyWeights(counts), b.classWeights());
        }
    }

    @Test
    void withoutBalancingCountsAreSetAndWeightsAbsent() {
        Batch b = TrainBatches.forRun(imbalanced(), config(null)).batch(0);
        assertNotNull(b.classCounts());
        assertNull(b.classWeights());
        assertNull(TrainBatches.forRun(imbalanced(), config("sampling")).batch(0).classWeights());
    }

    @Test
    void balancedSamplingDrawsClassesEquallyAndDeterministically() {
        TrainBatches a = TrainBatches.forRun(imbalanced(), config("sampling"));
        TrainBatches b = TrainBatches.forRun(imbalanced(), config("sampling"));
        int[] seen = new int[3];
        for (long i = 0; i < 150; i++) {
            Batch x = a.batch(i);
            assertArrayEquals(x.data(), b.batch(i).data(), "batch " + i);
            for (int label : x.labels()) {
                seen[label]++;
            }
        }
        // 3000 draws, 1000 expected per class; the unbalanced stream would give 1800/900/300.
        for (int c = 0; c < 3; c++) {
            assertTrue(seen[c] > 900 && seen[c] < 1100, "class " + c + " drawn " + seen[c] + " times");
        }
    }

    @Test
    void samplingIsRefusedForSegmentation() {
        assertThrows(IllegalArgumentException.class,
                () -> TrainBatches.forRun(ShapesGenerator.generateSegmentation(7, 40), config("sampling")));
        // Weights for segmentation come from mask pixels.
        TrainBatches seg = TrainBatches.forRun(ShapesGenerator.generateSegmentation(7, 40), config("weights"));
        int[] pixelCounts = seg.classCounts();
        assertEquals(5, pixelCounts.length);
        assertTrue(pixelCounts[0] > pixelCounts[1], "background dominates");
        assertEquals(1.0, mean(pixelCounts, seg.classWeights()), 1e-5);
    }

    private static double mean(int[] counts, float[] w) {
        double total = 0;
        double sum = 0;
        for (int c = 0; c < counts.length; c++) {
            sum += counts[c] * (double) w[c];
            total += counts[c];
        }
        return sum / total;
    }
}
