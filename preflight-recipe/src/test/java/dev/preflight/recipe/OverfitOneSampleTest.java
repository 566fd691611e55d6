package dev.preflight.recipe;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OverfitOneSampleTest {

    static final OverfitOneSample.Thresholds T = OverfitOneSample.Thresholds.DEFAULT;

    @Test
    void passesWhenTheLossReachesZero() {
        StageResult r = OverfitOneSample.judge("run-1", new double[]{1.4, 0.5, 0.004}, 2.0, null, T);
        assertEquals(Verdict.PASS, r.verdict());
        assertEquals(0.004, r.evidence().get("train_loss"));
        assertEquals(3.0, r.evidence().get("steps"));
        assertEquals(2.0, r.evidence().get("val_loss"));
    }

    @Test
    void failsWhenTheLossIsFlatAndSaysWhereToLook() {
        StageResult r = OverfitOneSample.judge("run-1", new double[]{1.386, 1.386, 1.386}, Double.NaN, null, T);
        assertEquals(Verdict.FAIL, r.verdict());
        assertTrue(r.summary().contains("learning rate 0"), r.summary());
        assertNull(r.evidence().get("val_loss"));
    }

    @Test
    void failsWhenTheLossFallsButNotFarEnough() {
        assertEquals(Verdict.FAIL, OverfitOneSample.judge("run-1", new double[]{1.4, 0.2}, 1, null, T).verdict());
    }

    @Test
    void failsWhenTheRunFailedOrNothingArrived() {
        assertEquals(Verdict.FAIL, OverfitOneSample.judge("run-1", new double[]{1.4, 0.001}, 1, "NaN loss at step 3", T).verdict());
        assertEquals(Verdict.FAIL, OverfitOneSample.judge("run-1", new double[0], 1, null, T).verdict());
    }
}
