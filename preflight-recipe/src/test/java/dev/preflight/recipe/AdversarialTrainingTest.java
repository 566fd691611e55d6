package dev.preflight.recipe;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The adversarial verdict on numbers: PASS needs the critic's smoothed estimate to shrink from its peak; a NaN, an
 * estimate that keeps growing, collapsing outputs or a degraded L1 each FAIL naming what happened; the stage refuses to
 * run unless l1-regression PASSed.
 */
class AdversarialTrainingTest {

    private static final AdversarialTraining.Thresholds T = AdversarialTraining.Thresholds.DEFAULT;

    /** 100 steps: the estimate rises to {@code peak} over the first 30 steps, then moves linearly to {@code end}. */
    static double[] curve(double peak, double end) {
        double[] w = new double[100];
        for (int i = 0; i < w.length; i++) {
            w[i] = i < 30 ? peak * (i + 1) / 30.0 : peak + (end - peak) * (i - 29) / 70.0;
            // Batch-to-batch noise, as a real critic's per-batch estimate has.
            w[i] += (i % 2 == 0 ? 1 : -1) * 0.05 * peak;
        }
        return w;
    }

    static StageResult judge(double[] w, double l1Before, double l1After, double varStart, double varEnd) {
        return AdversarialTraining.judge("r", new AdversarialTraining.Measurements(w, negated(w), 20, l1Before, l1After, varStart, varEnd, 0.06),
                null, T);
    }

    static double[] negated(double[] w) {
        double[] out = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = -w[i];
        }
        return out;
    }

    @Test
    void passesWhenTheEstimateShrinksFromItsPeakWithL1AndVarianceKept() {
        StageResult r = judge(curve(0.12, 0.06), 0.030, 0.028, 0.055, 0.058);
        assertEquals(Verdict.PASS, r.verdict(), r.summary());
        Map<String, Double> ev = r.evidence();
        assertEquals(10.0, ev.get("smoothing_steps"));
        assertTrue(ev.get("critic_estimate_peak") > 0.11 && ev.get("critic_estimate_peak") < 0.13, ev.toString());
        assertTrue(ev.get("critic_estimate_shrink") > 0.4, ev.toString());
        assertEquals(0.030, ev.get("val_l1_after_l1_regression"));
        assertEquals(-0.2 / 3, ev.get("val_l1_change"), 1e-12);
        assertEquals(0.058 / 0.055, ev.get("output_variance_share"), 1e-12);
        assertTrue(r.summary().startsWith("the Wasserstein estimate shrank"), r.summary());
    }

    @Test
    void failsOnAnEstimateThatDoesNotShrink() {
        StageResult flat = judge(curve(0.12, 0.115), 0.030, 0.028, 0.055, 0.058);
        assertEquals(Verdict.FAIL, flat.verdict());
        assertTrue(flat.summary().startsWith("the critic's estimate did not shrink"), flat.summary());
        // A critic that never separates real from generated pairs gives the generator nothing.
        StageResult blind = judge(curve(-0.001, -0.001), 0.030, 0.028, 0.055, 0.058);
        assertEquals(Verdict.FAIL, blind.verdict());
        assertTrue(blind.summary().startsWith("the critic never told real from generated pairs apart"), blind.summary());
    }

    @Test
    void failsOnADivergingCritic() {
        double[] nan = curve(0.12, 0.06);
        nan[57] = Double.NaN;
        StageResult r = judge(nan, 0.030, 0.028, 0.055, 0.058);
        assertEquals(Verdict.FAIL, r.verdict());
        assertEquals("the critic diverged: its estimate or loss is not finite from step 58: lower criticLearningRate or clip", r.summary());
        // Growth without bound: the estimate keeps rising, to 10x its value after the warm-up.
        double[] growing = new double[100];
        for (int i = 0; i < growing.length; i++) {
            growing[i] = 0.01 * Math.exp(i / 30.0);
        }
        StageResult g = judge(growing, 0.030, 0.028, 0.055, 0.058);
        assertEquals(Verdict.FAIL, g.verdict());
        assertTrue(g.summary().startsWith("the critic diverges: its estimate grew"), g.summary());
    }

    @Test
    void failsOnModeCollapseAndOnDegradedL1() {
        StageResult collapse = judge(curve(0.12, 0.06), 0.030, 0.028, 0.055, 0.02);
        assertEquals(Verdict.FAIL, collapse.verdict());
        assertTrue(collapse.summary().startsWith("mode collapse"), collapse.summary());
        StageResult worse = judge(curve(0.12, 0.06), 0.030, 0.040, 0.055, 0.058);
        assertEquals(Verdict.FAIL, worse.verdict());
        assertTrue(worse.summary().startsWith("val L1 degraded from 0.0300 (l1-regression) to 0.0400 (+33 %"), worse.summary());
        // Within the documented share it is the price of sharpness, not a failure.
        assertEquals(Verdict.PASS, judge(curve(0.12, 0.06), 0.030, 0.036, 0.055, 0.058).verdict());
        StageResult failed = AdversarialTraining.judge("r", new AdversarialTraining.Measurements(curve(0.12, 0.06), negated(curve(0.12, 0.06)),
                20, 0.03, 0.028, 0.055, 0.058, 0.06), "loss is NaN at step 9", T);
        assertEquals(Verdict.FAIL, failed.verdict());
        StageResult none = AdversarialTraining.judge("r", new AdversarialTraining.Measurements(new double[0], new double[0], 20, 0.03,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN), null, T);
        assertEquals(Verdict.FAIL, none.verdict());
        assertNull(none.evidence().get("val_l1"), "JSON has no NaN");
    }

    @Test
    void refusesUnlessL1RegressionPassed() {
        StageResult notRun = AdversarialTraining.refused(null);
        assertEquals(Verdict.FAIL, notRun.verdict());
        assertTrue(notRun.summary().contains("l1-regression did not run before it"), notRun.summary());
        StageResult failed = AdversarialTraining.refused(new StageResult(L1Regression.NAME, Verdict.FAIL, Map.of(), "not learning", List.of(), List.of()));
        assertTrue(failed.summary().startsWith("refused:") && failed.summary().contains("l1-regression ended FAIL (not learning)"), failed.summary());
        assertEquals(List.of(), failed.runIds(), "nothing was trained");
    }

    @Test
    void varianceAcrossSamplesIsPerPixelOverTheBatch() {
        // Two samples of two pixels: pixel 0 is 0 and 1 (variance 0.25), pixel 1 is 0.5 in both (0).
        assertEquals(0.125, AdversarialTraining.acrossSamples(new Double[]{0.0, 0.5, 1.0, 0.5}, 2), 1e-12);
        assertTrue(Double.isNaN(AdversarialTraining.acrossSamples(new Double[]{0.0, 0.5}, 2)), "one sample has no spread");
        assertEquals(0.0, AdversarialTraining.acrossSamples(new Double[]{0.3, 0.3, 0.3, 0.3}, 2), "identical outputs: collapsed");
    }

    @Test
    void finalValL1AveragesTheLastTenthOfTheRunNotItsLastFivePoints() {
        // 100 steps, validated every step; val L1 oscillates with a period of 10 steps between 0.02 and 0.04.
        List<dev.preflight.wire.ValStep> val = new java.util.ArrayList<>();
        for (int step = 0; step <= 100; step++) {
            val.add(new dev.preflight.wire.ValStep("r", step, 0.03 + 0.01 * Math.sin(2 * Math.PI * step / 10.0), 0, 32));
        }
        assertEquals(0.03, AdversarialTraining.finalValL1(val, 100), 1e-12, "a whole period: the oscillation's mean");
        // Validated sparsely (every 8th step): fewer than 5 points in the last tenth, so the last five.
        List<dev.preflight.wire.ValStep> sparse = val.stream().filter(v -> v.step() % 8 == 0).toList();
        assertEquals(sparse.subList(sparse.size() - 5, sparse.size()).stream().mapToDouble(dev.preflight.wire.ValStep::valLoss).average().orElseThrow(),
                AdversarialTraining.finalValL1(sparse, 100), 1e-12);
    }

    @Test
    void isOptInAfterL1Regression() {
        assertTrue(Stages.EVERY.indexOf(AdversarialTraining.NAME) == Stages.EVERY.indexOf(L1Regression.NAME) + 1);
        assertTrue(!Stages.NAMES.contains(AdversarialTraining.NAME), "not in the default ladder");
    }
}
