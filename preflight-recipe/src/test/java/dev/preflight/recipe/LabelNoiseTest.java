package dev.preflight.recipe;

import dev.preflight.wire.SamplePredictions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ranking and verdicts of label-noise on predictions with planted flipped labels (the pipeline's own: LadderTest). */
class LabelNoiseTest {

    static final int CLASSES = 4;

    /**
     * A model that learned the true classes: p 0.9–0.99 on the true class of every sample; the {@code flipped} samples'
     * labels were changed to another class, so the model contradicts them confidently. Sample 7 is hard but labelled
     * right (class 3; p 0.35 on it, 0.4 on class 2): a high loss, yet not confidently wrong.
     */
    static SamplePredictions planted(int n, Set<Integer> flipped, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] indices = new int[n];
        int[] labels = new int[n];
        float[][] probs = new float[n][];
        for (int i = 0; i < n; i++) {
            indices[i] = 3 * i + 1;
            int truth = i % CLASSES;
            float[] p = new float[CLASSES];
            float top = (float) (0.9 + 0.09 * rng.nextDouble());
            for (int c = 0; c < CLASSES; c++) {
                p[c] = c == truth ? top : (1 - top) / (CLASSES - 1);
            }
            if (i == 7) {
                p = new float[]{0.15f, 0.1f, 0.4f, 0.35f};
            }
            labels[i] = flipped.contains(i) ? (truth + 1 + rng.nextInt(CLASSES - 1)) % CLASSES : truth;
            probs[i] = p;
        }
        return SamplePredictions.of("r", 100, "train", n, 0, indices, labels, probs);
    }

    @Test
    void plantedFlipsComeFirstConfidentlyWrongBeforeTheMerelyHardSample() {
        Set<Integer> flipped = Set.of(12, 40, 77, 150, 199);
        List<LabelNoise.Scored> ranked = LabelNoise.rank(planted(200, flipped, 1), 0.9);
        Set<Integer> top = ranked.subList(0, flipped.size()).stream().map(LabelNoise.Scored::position).collect(Collectors.toSet());
        assertEquals(flipped, top, "recall of the planted flips among the top 5: 5 of 5");
        assertTrue(ranked.subList(0, 5).stream().allMatch(LabelNoise.Scored::confidentlyWrong));
        LabelNoise.Scored hard = ranked.get(5);
        assertEquals(7, hard.position(), "the hard sample has the next highest loss");
        assertFalse(hard.confidentlyWrong(), "wrong at p 0.40 is not confident");
        assertEquals(-Math.log(0.35f), ranked.stream().filter(s -> s.position() == 7).findFirst().orElseThrow().loss(), 1e-6);
        assertEquals(3 * 12 + 1, ranked.stream().filter(s -> s.position() == 12).findFirst().orElseThrow().index(), "dataset index kept");
        for (int i = 1; i < 5; i++) {
            assertTrue(ranked.get(i - 1).loss() >= ranked.get(i).loss(), "confidently wrong ones by loss");
        }
        LabelNoise.SplitMeasurements m = LabelNoise.measure(ranked);
        assertEquals(200, m.samples());
        assertEquals(5, m.confidentlyWrong());
        assertEquals(194 / 200.0, m.accuracy(), 1e-12, "5 flips and the hard sample are predicted wrong");
    }

    @Test
    void verdictsFollowTheShareOfConfidentlyWrongTrainSamples() {
        LabelNoise.Thresholds t = LabelNoise.Thresholds.DEFAULT;
        LabelNoise.SplitMeasurements val = new LabelNoise.SplitMeasurements(50, 0, 0.98, 0.05);
        StageResult clean = LabelNoise.judge(List.of("r"), new LabelNoise.SplitMeasurements(200, 1, 0.99, 0.04), val, null, t);
        assertEquals(Verdict.PASS, clean.verdict(), clean.summary());
        StageResult noisy = LabelNoise.judge(List.of("r"), new LabelNoise.SplitMeasurements(200, 5, 0.97, 0.2), val, null, t);
        assertEquals(Verdict.WARN, noisy.verdict(), noisy.summary());
        assertEquals(0.025, noisy.evidence().get("train_confidently_wrong_share"), 1e-12);
        assertTrue(noisy.summary().startsWith("5 of 200 train samples (2.50 %)"), noisy.summary());
        StageResult broken = LabelNoise.judge(List.of("r"), new LabelNoise.SplitMeasurements(200, 30, 0.8, 1.2), val, null, t);
        assertEquals(Verdict.FAIL, broken.verdict(), broken.summary());
        StageResult none = LabelNoise.judge(List.of("r"), LabelNoise.SplitMeasurements.NONE, LabelNoise.SplitMeasurements.NONE,
                "no per-sample train predictions arrived", t);
        assertEquals(Verdict.FAIL, none.verdict());
        assertTrue(none.summary().contains("no per-sample train predictions"), none.summary());
    }
}
