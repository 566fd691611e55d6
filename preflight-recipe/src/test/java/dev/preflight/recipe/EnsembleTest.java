package dev.preflight.recipe;

import dev.preflight.wire.SamplePredictions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Averaging, scoring and verdicts of the ensemble stage, on hand-made predictions with known answers. */
class EnsembleTest {

    static final int[] INDICES = {4, 9, 11};
    static final int[] LABELS = {0, 1, 0};

    static SamplePredictions member(String runId, float[]... rows) {
        return SamplePredictions.of(runId, 200, "val", rows.length, 0, INDICES, LABELS, rows);
    }

    @Test
    void membersWrongOnDifferentSamplesAreRightTogether() {
        // Each member gets one sample wrong, each a different one: 2/3 each, 3/3 averaged.
        SamplePredictions a = member("a", new float[]{0.9f, 0.1f}, new float[]{0.6f, 0.4f}, new float[]{0.8f, 0.2f});
        SamplePredictions b = member("b", new float[]{0.4f, 0.6f}, new float[]{0.1f, 0.9f}, new float[]{0.7f, 0.3f});
        SamplePredictions c = member("c", new float[]{0.8f, 0.2f}, new float[]{0.2f, 0.8f}, new float[]{0.45f, 0.55f});
        SamplePredictions avg = Ensemble.average(List.of(a, b, c));
        assertArrayEquals(new float[]{0.7f, 0.3f}, avg.probabilities()[0], 1e-6f);
        assertArrayEquals(INDICES, avg.indices());
        Ensemble.Score sa = Ensemble.score(a);
        assertEquals(2 / 3.0, sa.accuracy(), 1e-12);
        assertEquals((-Math.log(0.9f) - Math.log(0.4f) - Math.log(0.8f)) / 3, sa.loss(), 1e-6);
        Ensemble.Score se = Ensemble.score(avg);
        assertEquals(1.0, se.accuracy(), 1e-12);
        List<Ensemble.Score> singles = List.of(Ensemble.score(c), sa, Ensemble.score(b));
        StageResult r = Ensemble.judge(List.of("a", "b", "c"), singles, se, null, Ensemble.Thresholds.DEFAULT);
        assertEquals(Verdict.PASS, r.verdict(), r.summary());
        assertEquals(1 / 3.0, r.evidence().get("accuracy_gain"), 1e-12);
        assertEquals(3.0, r.evidence().get("members"));
    }

    @Test
    void identicalMembersDoNotHelpAndSayWhy() {
        SamplePredictions a = member("a", new float[]{0.9f, 0.1f}, new float[]{0.6f, 0.4f}, new float[]{0.8f, 0.2f});
        SamplePredictions b = member("b", new float[]{0.9f, 0.1f}, new float[]{0.6f, 0.4f}, new float[]{0.8f, 0.2f});
        Ensemble.Score single = Ensemble.score(a);
        StageResult r = Ensemble.judge(List.of("a", "b"), List.of(single, Ensemble.score(b)), Ensemble.score(Ensemble.average(List.of(a, b))),
                null, Ensemble.Thresholds.DEFAULT);
        assertEquals(Verdict.WARN, r.verdict(), r.summary());
        assertTrue(r.summary().contains("does not help"), r.summary());
    }

    @Test
    void aPerfectBestTrialLeavesNothingToGainAndNothingToEnsembleIsNotAPass() {
        Ensemble.Score perfect = new Ensemble.Score("a", 1.0, 0.01);
        StageResult ceiling = Ensemble.judge(List.of("a", "b"), List.of(perfect, new Ensemble.Score("b", 1.0, 0.012)),
                new Ensemble.Score("ensemble", 1.0, 0.008), null, Ensemble.Thresholds.DEFAULT);
        assertEquals(Verdict.PASS, ceiling.verdict(), ceiling.summary());
        // At the ceiling, a worse-calibrated ensemble (the others far less sure) does not help.
        StageResult lessSure = Ensemble.judge(List.of("a", "b"), List.of(perfect, new Ensemble.Score("b", 0.9, 0.3)),
                new Ensemble.Score("ensemble", 1.0, 0.05), null, Ensemble.Thresholds.DEFAULT);
        assertEquals(Verdict.WARN, lessSure.verdict(), lessSure.summary());
        assertTrue(lessSure.summary().contains("raised the val loss"), lessSure.summary());
        StageResult one = Ensemble.judge(List.of("a"), List.of(perfect), null, null, Ensemble.Thresholds.DEFAULT);
        assertEquals(Verdict.WARN, one.verdict());
        StageResult none = Ensemble.judge(List.of(), List.of(), null, "no ablation trial ran to the end", Ensemble.Thresholds.DEFAULT);
        assertEquals(Verdict.FAIL, none.verdict());
        assertThrows(IllegalArgumentException.class, () -> new Ensemble.Thresholds(1, 0));
    }

    @Test
    void membersOfAnotherSplitAreRefused() {
        SamplePredictions a = member("a", new float[]{0.9f, 0.1f}, new float[]{0.6f, 0.4f}, new float[]{0.8f, 0.2f});
        SamplePredictions other = SamplePredictions.of("x", 200, "val", 3, 0, new int[]{4, 9, 12}, LABELS, a.probabilities());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ensemble.average(List.of(a, other)));
        assertTrue(e.getMessage().contains("another split"), e.getMessage());
    }
}
