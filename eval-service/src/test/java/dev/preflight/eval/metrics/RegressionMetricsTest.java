package dev.preflight.eval.metrics;

import org.junit.jupiter.api.Test;

import static dev.preflight.eval.metrics.ClassificationMetricsTest.EPS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RegressionMetricsTest {

    @Test
    void maeAndRmseByHand() {
        // errors 0.5, 0, -1, 2: |e| sum 3.5, e^2 sum 5.25
        RegressionMetrics m = RegressionMetrics.of(new float[]{1, 2, 3, 4}, new float[]{1.5f, 2, 2, 6});
        assertEquals(0.875, m.mae(), EPS);
        assertEquals(Math.sqrt(1.3125), m.rmse(), EPS);
    }

    @Test
    void allEqualTargetsStayDefined() {
        RegressionMetrics exact = RegressionMetrics.of(new float[]{3, 3, 3}, new float[]{3, 3, 3});
        assertEquals(0.0, exact.mae(), 0.0);
        assertEquals(0.0, exact.rmse(), 0.0);
        RegressionMetrics offset = RegressionMetrics.of(new float[]{3, 3, 3}, new float[]{1, 1, 1});
        assertEquals(2.0, offset.mae(), 0.0);
        assertEquals(2.0, offset.rmse(), 0.0);
    }

    @Test
    void nonFiniteOutputsAndEmptyBatchesGiveNull() {
        RegressionMetrics nan = RegressionMetrics.of(new float[]{1, 2}, new float[]{Float.NaN, 2});
        assertNull(nan.mae());
        assertNull(nan.rmse());
        RegressionMetrics empty = RegressionMetrics.of(new float[0], new float[0]);
        assertNull(empty.mae());
        assertNull(empty.rmse());
        assertThrows(IllegalArgumentException.class, () -> RegressionMetrics.of(new float[]{1}, new float[]{1, 2}));
    }
}
