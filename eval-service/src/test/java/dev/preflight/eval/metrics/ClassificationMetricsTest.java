package dev.preflight.eval.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Reference values computed by hand from the confusion matrix written out in each test. */
class ClassificationMetricsTest {

    static final double EPS = 1e-12;

    static void assertValues(Double[] expected, Double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == null) {
                assertNull(actual[i], "class " + i);
            } else {
                assertEquals(expected[i], actual[i], EPS, "class " + i);
            }
        }
    }

    @Test
    void mixedBatchWithAClassOnlyPredictedAndAnAbsentClass() {
        //           t0 t0 t0 t1 t1 t1 t0 t1
        int[] truth = {0, 0, 0, 1, 1, 1, 0, 1};
        int[] pred = {0, 0, 1, 1, 1, 2, 0, 0};
        ClassificationMetrics m = ClassificationMetrics.of(truth, pred, 4);
        // rows = true class, columns = predicted class
        assertArrayEquals(new int[][]{{3, 1, 0, 0}, {1, 2, 1, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}, m.confusion());
        assertEquals(5.0 / 8, m.accuracy(), EPS);
        // class 0: TP 3 FP 1 FN 1; class 1: TP 2 FP 1 FN 2; class 2: no true samples, predicted once -> precision 0,
        // recall 0/0 of a present class -> 0, F1 0; class 3: absent -> null, excluded from the macro averages.
        assertValues(new Double[]{3.0 / 4, 2.0 / 3, 0.0, null}, m.precision());
        assertValues(new Double[]{3.0 / 4, 2.0 / 4, 0.0, null}, m.recall());
        assertValues(new Double[]{6.0 / 8, 4.0 / 7, 0.0, null}, m.f1());
        assertEquals(17.0 / 36, m.macroPrecision(), EPS);
        assertEquals(5.0 / 12, m.macroRecall(), EPS);
        assertEquals(37.0 / 84, m.macroF1(), EPS);
    }

    @Test
    void everyPredictionTheSameClass() {
        int[] truth = {0, 1, 2, 0};
        int[] pred = {0, 0, 0, 0};
        ClassificationMetrics m = ClassificationMetrics.of(truth, pred, 3);
        assertArrayEquals(new int[][]{{2, 0, 0}, {1, 0, 0}, {1, 0, 0}}, m.confusion());
        assertEquals(0.5, m.accuracy(), EPS);
        // Classes 1 and 2 were never predicted but have true samples: precision 0/0 counts as 0 (they are present).
        assertValues(new Double[]{0.5, 0.0, 0.0}, m.precision());
        assertValues(new Double[]{1.0, 0.0, 0.0}, m.recall());
        assertValues(new Double[]{2.0 / 3, 0.0, 0.0}, m.f1());
        assertEquals(1.0 / 6, m.macroPrecision(), EPS);
        assertEquals(1.0 / 3, m.macroRecall(), EPS);
        assertEquals(2.0 / 9, m.macroF1(), EPS);
    }

    @Test
    void perfectPredictionsScoreOneAndAnAbsentClassStaysNull() {
        int[] truth = {2, 0, 1, 1};
        ClassificationMetrics m = ClassificationMetrics.of(truth, truth.clone(), 4);
        assertEquals(1.0, m.accuracy(), 0.0);
        assertValues(new Double[]{1.0, 1.0, 1.0, null}, m.precision());
        assertValues(new Double[]{1.0, 1.0, 1.0, null}, m.recall());
        assertValues(new Double[]{1.0, 1.0, 1.0, null}, m.f1());
        assertEquals(1.0, m.macroPrecision(), 0.0);
        assertEquals(1.0, m.macroRecall(), 0.0);
        assertEquals(1.0, m.macroF1(), 0.0);
        assertArrayEquals(new int[][]{{1, 0, 0, 0}, {0, 2, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 0}}, m.confusion());
    }

    @Test
    void anEmptyBatchHasNoValues() {
        ClassificationMetrics m = ClassificationMetrics.of(new int[0], new int[0], 3);
        assertNull(m.accuracy());
        assertNull(m.macroPrecision());
        assertNull(m.macroRecall());
        assertNull(m.macroF1());
        assertValues(new Double[]{null, null, null}, m.f1());
    }

    @Test
    void aClassOutsideTheRangeOrALengthMismatchIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.of(new int[]{0, 1}, new int[]{0, 3}, 3));
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.of(new int[]{0, -1}, new int[]{0, 0}, 3));
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.of(new int[]{0, 1}, new int[]{0}, 3));
    }
}
