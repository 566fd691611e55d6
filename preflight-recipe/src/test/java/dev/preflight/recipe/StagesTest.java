package dev.preflight.recipe;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every stage's verdict can say PASS, WARN and FAIL, on the numbers the planted faults produce. */
class StagesTest {

    @Test
    void initCheck() {
        assertEquals(Verdict.PASS, InitCheck.judge("r", 1.40, 4, 1.39, InitCheck.Thresholds.DEFAULT).verdict());
        assertEquals(Verdict.WARN, InitCheck.judge("r", 1.60, 4, 1.39, InitCheck.Thresholds.DEFAULT).verdict());
        // Init scaled x100: logits in the hundreds, loss far above ln C.
        StageResult r = InitCheck.judge("r", 140.0, 4, 90, InitCheck.Thresholds.DEFAULT);
        assertEquals(Verdict.FAIL, r.verdict());
        assertTrue(r.summary().contains("initial weights too large"), r.summary());
        assertEquals(Verdict.FAIL, InitCheck.judge("r", Double.NaN, 4, 1, InitCheck.Thresholds.DEFAULT).verdict());
    }

    @Test
    void overfitFewSamples() {
        var t = OverfitFewSamples.Thresholds.DEFAULT;
        assertEquals(Verdict.PASS, OverfitFewSamples.judge("r", new double[]{1.4, 0.3, 0.01}, new double[]{1.4, 2.5}, null, t).verdict());
        StageResult flat = OverfitFewSamples.judge("r", new double[]{1.4, 1.39, 1.39}, new double[]{1.4}, null, t);
        assertEquals(Verdict.FAIL, flat.verdict());
        assertTrue(flat.summary().contains("cannot tell its inputs apart"));
        assertEquals(Verdict.FAIL, OverfitFewSamples.judge("r", new double[]{1.4, 0.001}, new double[0], "NaN", t).verdict());
    }

    static FullData.Measurements m(double firstVal, double val, double acc, double zeroLoss, double zeroAcc, double majority, double logistic) {
        return new FullData.Measurements(firstVal, val, acc, zeroLoss, zeroAcc, majority, logistic, 4);
    }

    @Test
    void fullData() {
        var t = FullData.Thresholds.DEFAULT;
        assertEquals(Verdict.PASS, FullData.judge(List.of("r"), m(1.38, 0.30, 0.92, 1.39, 0.25, 0.25, 0.70), null, t).verdict());
        // All inputs zero: the real model and the zeroed-input model are the same model on the same (zero) input.
        StageResult zero = FullData.judge(List.of("r"), m(1.386, 1.3862, 0.25, 1.3862, 0.25, 0.25, 0.25), null, t);
        assertEquals(Verdict.FAIL, zero.verdict());
        assertTrue(zero.summary().startsWith("ignores its input"), zero.summary());
        // Shuffled labels: the model reacts to its input but predicts at chance.
        StageResult shuffled = FullData.judge(List.of("r"), m(1.386, 1.45, 0.26, 1.39, 0.25, 0.25, 0.24), null, t);
        assertEquals(Verdict.FAIL, shuffled.verdict());
        assertTrue(shuffled.summary().startsWith("not learning"), shuffled.summary());
        assertEquals(Verdict.WARN, FullData.judge(List.of("r"), m(1.38, 0.9, 0.60, 1.39, 0.25, 0.25, 0.75), null, t).verdict());
        assertEquals(Verdict.FAIL, FullData.judge(List.of("r"), m(1.38, 1.38, 0.60, 1.7, 0.25, 0.25, 0.5), null, t).verdict(),
                "val loss must go down");
        // Perfect model, perfect logistic regression (penguins): matching a baseline at the ceiling is a PASS that says so;
        // 0.99 against a perfect baseline still WARNs.
        StageResult ceiling = FullData.judge(List.of("r"), m(1.1, 0.02, 1.0, 1.2, 0.33, 0.44, 1.0), null, t);
        assertEquals(Verdict.PASS, ceiling.verdict(), ceiling.summary());
        assertTrue(ceiling.summary().contains("matches logistic regression at 1.000"), ceiling.summary());
        assertEquals(Verdict.WARN, FullData.judge(List.of("r"), m(1.1, 0.05, 0.99, 1.2, 0.33, 0.44, 1.0), null, t).verdict());
    }

    @Test
    void overfitFewSamplesSaysWhichWayValLossWent() {
        var t = OverfitFewSamples.Thresholds.DEFAULT;
        StageResult fell = OverfitFewSamples.judge("r", new double[]{1.1, 0.3, 0.01}, new double[]{0.717, 0.2, 0.0151}, null, t);
        assertEquals(Verdict.PASS, fell.verdict());
        assertTrue(fell.summary().endsWith("val loss fell too: these samples generalise on this data (0.7170 -> 0.0151)"), fell.summary());
        StageResult rose = OverfitFewSamples.judge("r", new double[]{1.1, 0.3, 0.01}, new double[]{1.1, 1.5, 2.0}, null, t);
        assertTrue(rose.summary().contains("rose, as expected when memorising (1.1000 -> 2.0000)"), rose.summary());
    }

    @Test
    void speedCheck() {
        var t = SpeedCheck.Thresholds.DEFAULT;
        double[] steps = {0.5, 0.02, 0.02, 0.021, 0.02};
        StageResult compute = SpeedCheck.judge("r", steps, new double[]{0.4, 0.0002, 0.0002, 0.0002, 0.0002}, 64, 1, t);
        assertEquals(Verdict.PASS, compute.verdict());
        assertTrue(compute.summary().contains("COMPUTE_BOUND"));
        // A delay injected in the data path: most of each step is spent waiting.
        StageResult input = SpeedCheck.judge("r", new double[]{0.1, 0.1, 0.1}, new double[]{0.08, 0.08, 0.08}, 64, 0, t);
        assertEquals(Verdict.WARN, input.verdict());
        assertTrue(input.summary().contains("INPUT_BOUND") && input.summary().contains("data side"), input.summary());
        assertEquals(Verdict.FAIL, SpeedCheck.judge("r", new double[]{1.5, 1.6, 1.4}, new double[]{0, 0, 0}, 64, 0, t).verdict());
        assertEquals(1.5, SpeedCheck.median(new double[]{1.6, 1.4, 1.5}));
    }
}
