package dev.preflight.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paired (image-to-image) verdicts on numbers: l1-regression against its two baselines, data-check on the
 * {@code paired} block of stats shaped as the data-service answers them, and init-check's regression expectation.
 */
class L1RegressionTest {

    private static final L1Regression.Thresholds T = L1Regression.Thresholds.DEFAULT;

    private static StageResult l1(double first, double last, double identity, double meanTarget) {
        return L1Regression.judge("r", new L1Regression.Measurements(first, last, identity, meanTarget), null, T);
    }

    @Test
    void passesWhenValL1FallsBelowBothBaselinesWithThemAsEvidence() {
        StageResult r = l1(0.20, 0.030, 0.075, 0.11);
        assertEquals(Verdict.PASS, r.verdict(), r.summary());
        assertEquals(0.075, r.evidence().get("identity_l1"));
        assertEquals(0.11, r.evidence().get("mean_target_l1"));
        assertEquals(0.030 / 0.075, r.evidence().get("vs_identity"), 1e-12);
        assertEquals(0.85, r.evidence().get("val_l1_drop"), 1e-12);
    }

    @Test
    void failsNamingTheBaselineItDidNotBeat() {
        // A generator that learnt to copy: val L1 down from its init, but no better than the input itself.
        StageResult copy = l1(0.20, 0.074, 0.075, 0.11);
        assertEquals(Verdict.FAIL, copy.verdict());
        assertTrue(copy.summary().contains("does not beat the identity output"), copy.summary());
        // One that ignores its input converges to the mean target image.
        StageResult blind = l1(0.20, 0.108, 0.30, 0.11);
        assertEquals(Verdict.FAIL, blind.verdict());
        assertTrue(blind.summary().contains("does not beat the mean target image"), blind.summary());
        // Below a baseline by less than the margin is a tie, not a win.
        assertEquals(Verdict.FAIL, l1(0.20, 0.072, 0.075, 0.11).verdict());
        StageResult flat = l1(0.05, 0.0495, 0.075, 0.11);
        assertEquals(Verdict.FAIL, flat.verdict());
        assertTrue(flat.summary().startsWith("not learning"), flat.summary());
        assertEquals(Verdict.FAIL, L1Regression.judge("r", new L1Regression.Measurements(0.2, 0.03, 0.075, 0.11), "loss is NaN at step 3", T).verdict());
        StageResult noVal = l1(Double.NaN, Double.NaN, 0.075, 0.11);
        assertEquals(Verdict.FAIL, noVal.verdict());
        assertNull(noVal.evidence().get("val_l1"), "JSON has no NaN");
        assertTrue(l1(0.2, 0.03, Double.NaN, Double.NaN).summary().startsWith("no baselines"));
    }

    private static JsonNode stats(String paired) throws Exception {
        return new ObjectMapper().readTree("{\"samples\":2000,\"numClasses\":1,\"classNames\":[\"pair\"],\"classHistogram\":[2000],"
                + "\"imbalanceRatio\":1.0,\"labelProblems\":[],\"duplicates\":{\"groups\":0,\"samples\":0,\"examples\":[],\"sources\":[]},"
                + "\"conflicts\":{\"groups\":0,\"samples\":0,\"examples\":[],\"sources\":[]},"
                + "\"split\":{\"given\":false,\"description\":\"stratified\",\"trainSize\":1600,\"valSize\":400,"
                + "\"classesMissingInTrain\":[],\"classesMissingInVal\":[]},"
                + "\"leakage\":{\"samples\":0,\"examples\":[]},\"skipped\":{\"count\":0,\"files\":[]},\"ignored\":{\"count\":0,\"files\":[]},"
                + "\"notes\":[],\"paired\":" + paired + "}");
    }

    private static String paired(double targetMin, double targetMax, double targetStd, int identical, int flat) {
        return String.format(java.util.Locale.ROOT, "{\"pairs\":2000,\"inputMin\":0.0,\"inputMax\":1.0,\"targetMin\":%s,\"targetMax\":%s,"
                + "\"targetMean\":0.12,\"targetStd\":%s,\"identicalPairs\":%d,\"identicalExamples\":[\"inputs/a.png\"],\"flatTargets\":%d,"
                + "\"valIdentityL1\":0.075,\"valMeanTargetL1\":0.11,\"trainConstantL1\":0.2,\"trainConstantL2\":0.09}",
                targetMin, targetMax, targetStd, identical, flat);
    }

    private static StageResult dataCheck(String paired) throws Exception {
        JsonNode s = stats(paired);
        return DataCheck.judge("p", DataCheck.Stats.of(s), DataCheck.Paired.of(s), DataCheck.Thresholds.DEFAULT);
    }

    @Test
    void dataCheckPassesCleanPairsWithRangesAndBaselinesAsEvidence() throws Exception {
        StageResult r = dataCheck(paired(0, 0.98, 0.3, 0, 0));
        assertEquals(Verdict.PASS, r.verdict(), r.summary());
        assertTrue(r.summary().startsWith("2000 complete input/target pairs, inputs in [0.000, 1.000], targets in [0.000, 0.980]"), r.summary());
        assertEquals(0.075, r.evidence().get("val_identity_l1"));
        assertEquals(0.98, r.evidence().get("target_max"));
        assertNull(DataCheck.Paired.of(new ObjectMapper().readTree("{\"samples\":3}")), "a classification dataset has no paired block");
    }

    @Test
    void dataCheckFailsOnWhatWouldSilentlyBreakTraining() throws Exception {
        StageResult constant = dataCheck(paired(0.12, 0.12, 0, 0, 2000));
        assertEquals(Verdict.FAIL, constant.verdict());
        assertTrue(constant.summary().startsWith("every target value is 0.120: constant targets"), constant.summary());
        StageResult range = dataCheck(paired(-0.5, 1.5, 0.3, 0, 0));
        assertEquals(Verdict.FAIL, range.verdict());
        assertTrue(range.summary().contains("outside [0, 1]"), range.summary());
        StageResult same = dataCheck(paired(0, 1, 0.3, 2000, 0));
        assertEquals(Verdict.FAIL, same.verdict());
        assertTrue(same.summary().startsWith("every input equals its target") && same.summary().contains("inputs/a.png"), same.summary());
        StageResult some = dataCheck(paired(0, 1, 0.3, 3, 5));
        assertEquals(Verdict.WARN, some.verdict(), some.summary());
        assertEquals(List.of("3 inputs equal to their target (nothing to learn from those pairs), e.g. inputs/a.png",
                "5 targets of a single flat value (empty targets?)"), some.findings());
    }

    @Test
    void initCheckExpectsTheLossOfPredictingTheMeanTarget() {
        var t = InitCheck.Thresholds.DEFAULT;
        StageResult ok = InitCheck.judgeRegression("r", 0.205, 0.2, "L1", 0.3, t);
        assertEquals(Verdict.PASS, ok.verdict(), ok.summary());
        assertEquals(0.2, ok.evidence().get("expected_loss"));
        assertEquals(Verdict.WARN, InitCheck.judgeRegression("r", 0.26, 0.2, "L1", 0.3, t).verdict());
        // A sigmoid output left at 0.5 on mostly black targets: far from the mean's loss.
        StageResult half = InitCheck.judgeRegression("r", 0.45, 0.2, "L1", 0.45, t);
        assertEquals(Verdict.FAIL, half.verdict());
        assertTrue(half.summary().startsWith("L1 at init 0.4500 is far from that of predicting the mean target"), half.summary());
        assertEquals(Verdict.FAIL, InitCheck.judgeRegression("r", Double.NaN, 0.2, "L1", 0.3, t).verdict());
        assertEquals(Verdict.FAIL, InitCheck.judgeRegression("r", 0.2, Double.NaN, "L1", 0.3, t).verdict());
    }
}
