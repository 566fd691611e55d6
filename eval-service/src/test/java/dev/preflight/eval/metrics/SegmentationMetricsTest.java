package dev.preflight.eval.metrics;

import org.junit.jupiter.api.Test;

import static dev.preflight.eval.metrics.ClassificationMetricsTest.EPS;
import static dev.preflight.eval.metrics.ClassificationMetricsTest.assertValues;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SegmentationMetricsTest {

    @Test
    void twoImagesWithAClassOnlyPredictedAndAnEmptyClass() {
        // two 2x2 masks, row-major
        byte[] masks = {0, 0, 1, 1, 0, 1, 1, 1};
        int[] pred = {0, 1, 1, 1, 0, 0, 1, 2};
        SegmentationMetrics m = SegmentationMetrics.of(masks, pred, 4);
        assertArrayEquals(new int[][]{{2, 1, 0, 0}, {1, 3, 1, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}, m.confusion());
        assertEquals(5.0 / 8, m.pixelAccuracy(), EPS);
        // class 0: TP 2, union 2+1+1 = 4; class 1: TP 3, union 3+1+2 = 6; class 2 predicted once, never true: 0;
        // class 3 in no mask and never predicted: undefined, excluded from the mean.
        assertValues(new Double[]{0.5, 0.5, 0.0, null}, m.iou());
        assertEquals(1.0 / 3, m.meanIou(), EPS);
    }

    @Test
    void perfectPredictionsGiveMeanIouOne() {
        byte[] masks = {2, 2, 0, 2};
        SegmentationMetrics m = SegmentationMetrics.of(masks, new int[]{2, 2, 0, 2}, 3);
        assertEquals(1.0, m.pixelAccuracy(), 0.0);
        assertValues(new Double[]{1.0, null, 1.0}, m.iou());
        assertEquals(1.0, m.meanIou(), 0.0);
    }

    @Test
    void everyPixelPredictedAsOneClass() {
        byte[] masks = {0, 1, 1, 1};
        SegmentationMetrics m = SegmentationMetrics.of(masks, new int[]{1, 1, 1, 1}, 2);
        assertEquals(0.75, m.pixelAccuracy(), EPS);
        // class 0: TP 0 FN 1 -> 0; class 1: TP 3 FP 1 -> 3/4
        assertValues(new Double[]{0.0, 0.75}, m.iou());
        assertEquals(0.375, m.meanIou(), EPS);
    }

    @Test
    void maskBytesAreUnsigned() {
        byte[] masks = {(byte) 150, 0};
        SegmentationMetrics m = SegmentationMetrics.of(masks, new int[]{150, 150}, 200);
        assertEquals(0.5, m.pixelAccuracy(), EPS);
        assertEquals(0.5, m.iou()[150], EPS);
        assertEquals(0.0, m.iou()[0], 0.0);
    }

    @Test
    void noPixelsNoValues() {
        SegmentationMetrics m = SegmentationMetrics.of(new byte[0], new int[0], 2);
        assertNull(m.pixelAccuracy());
        assertNull(m.meanIou());
    }
}
