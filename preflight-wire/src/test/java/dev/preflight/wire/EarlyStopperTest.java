package dev.preflight.wire;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The early-stopping rule on val-loss curves written out by hand, and which weights it keeps for export. Weights are
 * strings naming their step, so the test sees exactly whose weights were chosen.
 */
class EarlyStopperTest {

    /** Publishes step {@code step}'s weights and reports its val loss; returns the rule's answer. */
    private static boolean step(EarlyStopper<String> rule, int step, double valLoss) {
        rule.published(step, "w" + step);
        return rule.validated(step, valLoss);
    }

    @Test
    void aPlateauStopsExactlyPatienceValidatedStepsAfterTheBest() {
        EarlyStopper<String> rule = new EarlyStopper<>(new EarlyStopping(3, 0.0, 1));
        double[] curve = {1.0, 0.8, 0.6, 0.5, 0.5, 0.55, 0.5};
        int stoppedAt = -1;
        for (int i = 0; i < curve.length; i++) {
            if (step(rule, i + 1, curve[i])) {
                stoppedAt = i + 1;
                break;
            }
        }
        // Best at step 4 (0.5); steps 5 (0.5, not below), 6 and 7 bring nothing: stop at 7, the third.
        assertEquals(7, stoppedAt);
        assertEquals(7, rule.stopValidatedStep());
        assertEquals(4, rule.bestStep());
        assertEquals(0.5, rule.bestSmoothedLoss());
        assertEquals("w4", rule.bestWeights());
    }

    @Test
    void aCurveThatKeepsImprovingNeverStopsAndKeepsTheLastWeights() {
        EarlyStopper<String> rule = new EarlyStopper<>(new EarlyStopping(2, 0.0, 5));
        for (int s = 1; s <= 2_000; s++) {
            assertFalse(step(rule, s, 2.0 / s), "stopped at step " + s);
        }
        assertEquals(2_000, rule.bestStep());
        assertEquals("w2000", rule.bestWeights());
    }

    @Test
    void smoothingPicksTheBestMeanNotALuckyBatch() {
        // Step 3's single val batch is lucky (0.1); the mean of 3 is lowest at step 8 (0.3, 0.2, 0.25 -> 0.25; step 9's
        // equal mean is no improvement).
        double[] curve = {1.0, 0.9, 0.1, 0.9, 0.5, 0.3, 0.2, 0.25, 0.3};
        EarlyStopper<String> raw = new EarlyStopper<>(new EarlyStopping(100, 0.0, 1));
        EarlyStopper<String> smooth = new EarlyStopper<>(new EarlyStopping(100, 0.0, 3));
        for (int i = 0; i < curve.length; i++) {
            step(raw, i + 1, curve[i]);
            step(smooth, i + 1, curve[i]);
        }
        assertEquals(3, raw.bestStep());
        assertEquals(8, smooth.bestStep());
        assertEquals(0.25, smooth.bestSmoothedLoss(), 1e-12);
        assertEquals("w8", smooth.bestWeights());
    }

    @Test
    void improvementsSmallerThanMinDeltaDoNotCount() {
        EarlyStopper<String> rule = new EarlyStopper<>(new EarlyStopping(3, 0.01, 1));
        assertFalse(step(rule, 1, 1.0));
        assertFalse(step(rule, 2, 0.995));
        assertFalse(step(rule, 3, 0.992));
        // 0.991 is 0.009 below the best (1.0): still no improvement; the third such step stops the run.
        assertTrue(step(rule, 4, 0.991));
        assertEquals(1, rule.bestStep());
    }

    @Test
    void nanCountsAsNoImprovementStaysOutOfTheWindowAndIsNeverBest() {
        EarlyStopper<String> rule = new EarlyStopper<>(new EarlyStopping(2, 0.0, 2));
        assertFalse(step(rule, 1, 1.0));
        assertFalse(step(rule, 2, 0.8));           // mean(1.0, 0.8) = 0.9: best
        assertFalse(step(rule, 3, Double.NaN));    // one step without improvement
        // The window still holds (1.0, 0.8): with 0.6 the mean is 0.7, an improvement; NaN did not poison it.
        assertFalse(step(rule, 4, 0.6));
        assertEquals(4, rule.bestStep());
        assertEquals(0.7, rule.bestSmoothedLoss(), 1e-12);
        assertFalse(step(rule, 5, Double.POSITIVE_INFINITY));
        assertTrue(step(rule, 6, Double.NaN));
        assertEquals(4, rule.bestStep());
        assertEquals("w4", rule.bestWeights());
    }

    @Test
    void onlyNanNeverHasABestAndStopsAfterPatience() {
        EarlyStopper<String> rule = new EarlyStopper<>(new EarlyStopping(3, 0.0, 5));
        assertFalse(step(rule, 1, Double.NaN));
        assertFalse(step(rule, 2, Double.NaN));
        assertTrue(step(rule, 3, Double.NaN));
        assertEquals(-1, rule.bestStep());
        assertNull(rule.bestWeights());
    }

    @Test
    void theValLossBelongsToTheWeightsOfItsOwnStepNotTheLatest() {
        EarlyStopper<String> rule = new EarlyStopper<>(new EarlyStopping(10, 0.0, 1));
        // The trainer has published steps 10, 20 and 30 before the first report comes back.
        rule.published(10, "w10");
        rule.published(20, "w20");
        rule.published(30, "w30");
        rule.validated(10, 0.5);
        assertEquals("w10", rule.bestWeights());
        // The eval-service's mailbox replaced 20 by 30: 30's report settles 20 too, whose weights are dropped.
        rule.validated(30, 0.4);
        assertEquals(30, rule.bestStep());
        assertEquals("w30", rule.bestWeights());
        assertTrue(rule.pending().isEmpty());
        // A redelivered report of an earlier step changes nothing.
        rule.validated(10, 0.1);
        assertEquals(30, rule.bestStep());
        // An evaluation that failed drops its weights without counting.
        rule.published(40, "w40");
        rule.unvalidated(40);
        assertTrue(rule.pending().isEmpty());
        assertEquals("w30", rule.bestWeights());
        // Step 0 (the initial weights) is never judged.
        rule.published(0, "w0");
        rule.validated(0, 0.0);
        assertEquals(30, rule.bestStep());
    }
}
