package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.DatasetStats;
import dev.preflight.data.model.Split;
import dev.preflight.wire.DType;
import dev.preflight.wire.DataConfig;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorsAndStatsTest {

    @Test
    void shapesSegHasTheShapesImagesAndMasksWhereTheShapeIs() {
        Dataset shapes = ShapesGenerator.generate(7, 40);
        Dataset seg = ShapesGenerator.generateSegmentation(7, 40);
        assertEquals(5, seg.numClasses());
        for (int i = 0; i < 40; i++) {
            assertArrayEquals(shapes.sample(i), seg.sample(i), "same image " + i);
            int cls = shapes.label(i) + 1;
            byte[] mask = seg.mask(i);
            int covered = 0;
            for (int p = 0; p < mask.length; p++) {
                assertTrue(mask[p] == 0 || mask[p] == cls, "mask of " + i + " has " + mask[p]);
                if (mask[p] == cls) {
                    covered++;
                    assertTrue((seg.sample(i)[p] & 0xFF) >= 140 - 16, "a covered pixel is bright");
                }
            }
            assertTrue(covered > 10, "shape " + i + " covers " + covered + " pixels");
        }
    }

    @Test
    void outliersAreTheSamplesFurthestFromTheirClassMeanInStdUnitsAndAMissingCellCountsAsTheMean() {
        // One feature; class 0: 0, 2, 4, 6, 28 and a missing cell; class 1: 10, 10, 10 (median distance 0).
        float[] values = {0, 2, 4, 6, 28, Float.NaN, 10, 10, 10};
        int[] labels = {0, 0, 0, 0, 0, 0, 1, 1, 1};
        java.nio.ByteBuffer data = java.nio.ByteBuffer.allocate(values.length * 4);
        for (float v : values) {
            data.putFloat(v);
        }
        Dataset d = new Dataset("t", new int[]{1}, DType.FLOAT32, 2, labels, data.array(), null, java.util.List.of("a", "b"),
                java.util.List.of());
        DatasetStats stats = new StatsService().stats(d, null, null);
        DatasetStats.ClassOutliers a = stats.outliers().get(0);
        // Class 0's mean is 8 (the missing cell left out); distances in std units: 8, 6, 4, 2, 20, 0 (missing = the mean).
        double std = stats.channelStd()[0];
        assertEquals(4, a.furthest().get(0).index());
        assertEquals(20 / std, a.furthest().get(0).distance(), 1e-5);
        assertEquals(20.0 / 5, a.furthest().get(0).ratio(), 1e-5); // median of 0, 2, 4, 6, 8, 20 = 5
        assertEquals(5, a.furthest().size());
        assertEquals(0.0, stats.outliers().get(1).medianDistance());
        assertEquals(0.0, stats.outliers().get(1).furthest().get(0).ratio(), "no spread: no ratio, not infinity");
    }

    @Test
    void spiralsAreDeterministicFloat32PointsInTheUnitDisc() {
        Dataset a = SpiralsGenerator.generate(3, 90, 3);
        Dataset b = SpiralsGenerator.generate(3, 90, 3);
        assertEquals(DType.FLOAT32, a.dtype());
        assertArrayEquals(new int[]{2}, a.sampleShape());
        assertArrayEquals(new int[]{30, 30, 30}, a.classHistogram());
        for (int i = 0; i < 90; i++) {
            assertArrayEquals(a.sample(i), b.sample(i));
            float[] p = new float[2];
            ByteBuffer.wrap(a.sample(i)).asFloatBuffer().get(p);
            assertTrue(p[0] * p[0] + p[1] * p[1] < 1.0001f);
        }
        assertTrue(Arrays.equals(a.sample(0), SpiralsGenerator.generate(3, 90, 3).sample(0)));
    }

    @Test
    void subsetFractionIsTheNestedPrefixOfTheSameSize() {
        Dataset d = ShapesGenerator.generate(7, 400);
        Split split = Splits.stratified(d, 9, 0.2);
        DataConfig byFraction = new DataConfig(9L, null, 8, 0.2, 0.25, null, null);
        int k = byFraction.effectiveSubsetSize(split.trainSize());
        assertEquals(80, k);
        int[] fromFraction = Splits.subset(split.train(), 9, k);
        assertArrayEquals(Splits.subset(split.train(), 9, 80), fromFraction);
        assertArrayEquals(Arrays.copyOf(fromFraction, 5), Splits.subset(split.train(), 9, 5), "smaller subsets are prefixes");
        assertEquals(80, TrainBatches.forRun(d, byFraction).subsetSize());
        assertEquals(320, TrainBatches.forRun(d, new DataConfig(9L, null, 8, 0.2, 1.0, null, null)).subsetSize());
    }

    @Test
    void statsFindDuplicatesLeakageImbalanceAndChannelMoments() {
        // 8 samples of 2 bytes: samples 0, 3 and 6 are identical; 1 and 7 too.
        byte[] px = {1, 1, 2, 2, 3, 3, 1, 1, 4, 4, 5, 5, 1, 1, 2, 2};
        int[] labels = {0, 0, 0, 0, 0, 1, 1, 1};
        Dataset d = new Dataset("dup", new int[]{1, 2, 1}, 3, labels, px);
        StatsService service = new StatsService();
        DatasetStats s = service.stats(d, null, null);
        assertEquals(8, s.samples());
        assertArrayEquals(new int[]{5, 3, 0}, s.classHistogram());
        assertNull(s.imbalanceRatio(), "a class without samples has no finite ratio");
        assertEquals(List.of(2), s.emptyClasses());
        assertEquals(2, s.duplicates().groups());
        assertEquals(5, s.duplicates().samples());
        assertEquals(List.of(List.of(0, 3, 6), List.of(1, 7)), s.duplicates().examples());
        // 16 bytes summing to 38, one channel.
        assertEquals(38.0 / 16, s.channelMean()[0], 1e-9);
        assertNull(s.leakage());

        // Identical samples with different labels are label noise: both groups here disagree.
        assertEquals(2, s.conflicts().groups());
        assertEquals(List.of("#0 (0)", "#3 (0)", "#6 (1)"), s.conflicts().sources().get(0));
        assertEquals(1, s.labelProblems().size(), s.labelProblems().toString());
        assertTrue(s.labelProblems().get(0).startsWith("1 of 3 classes have no samples ('2')"), s.labelProblems().get(0));

        // Preflight's own split keeps every content group on one side: no leakage, whatever the seed.
        for (long seed = 1; seed <= 20; seed++) {
            DatasetStats withSplit = service.stats(d, seed, 0.5);
            assertEquals(0, withSplit.leakage().samples(), "seed " + seed);
            assertEquals(8, withSplit.split().trainSize() + withSplit.split().valSize());
            assertFalse(withSplit.split().given());
        }
    }

    @Test
    void previewIsADecodablePngOfTheWholeBatch() throws Exception {
        Dataset seg = ShapesGenerator.generateSegmentation(7, 40);
        byte[] png = PreviewRenderer.png(ValBatches.build(seg, new int[]{0, 1, 2, 3, 4}), seg.classNames(), "five");
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(img);
        // 5 tiles in 3 columns: image and mask side by side, 3x enlarged.
        assertTrue(img.getWidth() >= 3 * 2 * 84, "width " + img.getWidth());
        Dataset spirals = SpiralsGenerator.generate(1, 30, 3);
        assertNotNull(ImageIO.read(new ByteArrayInputStream(
                PreviewRenderer.png(ValBatches.build(spirals, spirals.allIndices()), spirals.classNames(), "spirals"))));
    }
}
