package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import dev.preflight.wire.DType;
import dev.preflight.wire.DataConfig;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run's resolution: area weights worked out by hand, float32 images, the stored split kept, refusals. */
class ResolutionTest {

    @Test
    void aNonIntegerShrinkWeighsEverySourcePixelByItsOverlap() {
        // One row of 3 pixels to 2: target 0 covers [0, 1.5) = 1 x 0 + 0.5 x 90; target 1 covers [1.5, 3) = 0.5 x 90 + 1 x 180.
        Dataset d = new Dataset("row", new int[]{1, 3, 1}, 1, new int[]{0}, new byte[]{0, 90, (byte) 180});
        Dataset small = Resolution.view(d, List.of(1, 2));
        assertArrayEquals(new int[]{1, 2, 1}, small.sampleShape());
        assertArrayEquals(new byte[]{30, (byte) 150}, small.sample(0));
        assertSame(d, Resolution.view(d, List.of(1, 3)), "the stored size is the stored data");
        assertSame(d, Resolution.view(d, null));
    }

    @Test
    void float32ImagesAreAveragedInTheirOwnUnits() {
        ByteBuffer b = ByteBuffer.allocate(4 * 4 * 2 * 4); // 4x4 pixels, 2 channels, big-endian floats
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                b.putFloat(y + 10f * x).putFloat(-0.5f);
            }
        }
        Dataset d = new Dataset("f", new int[]{4, 4, 2}, DType.FLOAT32, 1, new int[]{0}, b.array(), null, null, List.of());
        ByteBuffer out = ByteBuffer.wrap(Resolution.view(d, List.of(2, 2)).sample(0));
        // Block (Y, X) averages y in {2Y, 2Y+1} and x in {2X, 2X+1}: 2Y + 0.5 + 10 (2X + 0.5).
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 2; x++) {
                assertEquals(2 * y + 0.5f + 10f * (2 * x + 0.5f), out.getFloat(), 1e-5f, "pixel " + y + "," + x);
                assertEquals(-0.5f, out.getFloat(), 0f);
            }
        }
    }

    @Test
    void theSplitAndStreamOrderAreTheStoredDatas() {
        Dataset shapes = ShapesGenerator.generate(3, 120);
        DataConfig full = new DataConfig(4L, 0, 8, 0.25);
        TrainBatches stored = TrainBatches.forRun(shapes, full);
        TrainBatches small = TrainBatches.forRun(shapes, full.withResolution(List.of(7, 7)));
        assertArrayEquals(stored.epochOrder(0), small.epochOrder(0));
        assertArrayEquals(stored.batch(2).labels(), small.batch(2).labels());
        assertArrayEquals(new int[]{7, 7, 1}, small.batch(2).sampleShape());
        assertArrayEquals(shapes.contentGroups(), Resolution.view(shapes, List.of(7, 7)).contentGroups());
    }

    @Test
    void whatCannotBeResizedIsRefusedNamingDataResolution() {
        Dataset shapes = ShapesGenerator.generate(3, 40);
        String up = assertThrows(IllegalArgumentException.class, () -> Resolution.view(shapes, List.of(28, 29))).getMessage();
        assertEquals("data.resolution [28, 29] is larger than shapes's stored images [28, 28]: upscaling adds pixels, not information; "
                + "choose at most the stored size", up);
        String table = assertThrows(IllegalArgumentException.class,
                () -> TrainBatches.forRun(SpiralsGenerator.generate(1, 40, 2), new DataConfig(1L, 0, 8, 0.2).withResolution(List.of(1, 1))))
                .getMessage();
        assertTrue(table.startsWith("data.resolution [1, 1] needs image samples [h, w, c]; spirals has samples of shape [2]"), table);
        assertThrows(IllegalArgumentException.class, () -> Resolution.view(ShapesGenerator.generateSegmentation(3, 20), List.of(14, 14)));
        String paired = assertThrows(IllegalArgumentException.class,
                () -> Resolution.view(ShapesGenerator.generatePaired(3, 20), List.of(14, 14))).getMessage();
        assertTrue(paired.contains("paired dataset") && paired.contains("target images"), paired);
    }
}
