package dev.preflight.cli;

import dev.preflight.cli.stack.LocalStack;
import dev.preflight.cli.stack.Service;
import dev.preflight.ladder.DataClient;
import dev.preflight.ladder.Ladder;
import dev.preflight.ladder.LadderOptions;
import dev.preflight.recipe.AdversarialTraining;
import dev.preflight.recipe.DataCheck;
import dev.preflight.recipe.InitCheck;
import dev.preflight.recipe.L1Regression;
import dev.preflight.recipe.OverfitOneSample;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.StageResult;
import dev.preflight.recipe.Stages;
import dev.preflight.recipe.Verdict;
import dev.preflight.wire.ModelConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generative recipe's first half through the real pipeline (Niessner 12/n: "just do a simple L1 regression
 * first"): the built-in paired dataset shapes-paired (noisy shapes to clean shapes), the zoo's generator with the L1
 * loss, data-check, init-check, overfit-one-sample and l1-regression, each judged on what the services measured.
 */
@ExtendWith(SharedStack.class)
class GenerativeLadderTest {

    static LocalStack stack;

    @BeforeAll
    static void useSharedStack(LocalStack shared) {
        stack = shared;
    }

    static ModelConfig generator() {
        return ModelConfig.builder(ModelConfig.Type.GENERATOR).seed(42L).learningRate(3e-3).channels(List.of(16, 32))
                .loss(ModelConfig.Loss.L1).build();
    }

    @Test
    void shapesPairedClimbsFromDataCheckToL1RegressionAndThenTheWassersteinCritic() {
        // 100 L1 steps, 100 adversarial ones and 200 to memorise one sample keep the ladder near 52 s; measured at these
        // lengths: val L1 0.025 against baselines of 0.071 (identity) and 0.172 (mean target), train loss 0.0067 on one
        // sample (< 0.01); then the critic's estimate 0.37 at step 11 to 0.046 and val L1 0.021, output variance 114 %.
        LadderOptions o = LadderOptions.of("generative", "shapes-paired", generator()).withBatchSize(32).withFullDataSteps(100)
                .withStages(Stages.named(List.of(DataCheck.NAME, InitCheck.NAME, OverfitOneSample.NAME, L1Regression.NAME, AdversarialTraining.NAME)))
                .withStage(new OverfitOneSample(new OverfitOneSample.Thresholds(OverfitOneSample.Thresholds.DEFAULT.maxFinalLoss(), 200)))
                .withRunTimeout(Duration.ofMinutes(3));
        long start = System.nanoTime();
        Ladder ladder = new Ladder(stack.gateway(), new DataClient(stack.url(Service.DATA)), o, (stage, p) -> { },
                r -> System.out.printf("%s %s after %.1f s: %s %s%n", r.name(), r.verdict(), (System.nanoTime() - start) / 1e9,
                        r.summary(), r.evidence()));
        Report r = ladder.run();
        assertEquals(List.of(DataCheck.NAME, InitCheck.NAME, OverfitOneSample.NAME, L1Regression.NAME, AdversarialTraining.NAME),
                r.stages().stream().map(StageResult::name).toList(), r.stages().toString());

        StageResult data = r.stages().get(0);
        assertEquals(Verdict.PASS, data.verdict(), data.summary());
        assertEquals(2000.0, data.evidence().get("pairs"));
        assertEquals(0.0, data.evidence().get("identical_pairs"));
        assertTrue(data.evidence().get("target_std") > 0 && data.evidence().get("target_max") <= 1.0, data.evidence().toString());

        StageResult init = r.stages().get(1);
        assertEquals(Verdict.PASS, init.verdict(), "the generator starts at the mean target: " + init.summary());
        StageResult overfit = r.stages().get(2);
        assertEquals(Verdict.PASS, overfit.verdict(), overfit.summary());

        StageResult l1 = r.stages().get(3);
        assertEquals(Verdict.PASS, l1.verdict(), l1.summary());
        Map<String, Double> ev = l1.evidence();
        assertEquals(data.evidence().get("val_identity_l1"), ev.get("identity_l1"), "the same split's baselines");
        assertTrue(ev.get("val_l1") < 0.95 * ev.get("identity_l1") && ev.get("val_l1") < 0.95 * ev.get("mean_target_l1"), ev.toString());
        assertTrue(ladder.artifacts().get(L1Regression.NAME).previews().containsKey("val pairs (input | target)"));
        assertTrue(ladder.artifacts().get(L1Regression.NAME).previews()
                .containsKey("fixed val batch: input | output at the first and last check | target"), "the generator's outputs over training");

        StageResult adv = r.stages().get(4);
        System.out.println("adversarial: " + adv.summary() + " " + adv.evidence());
        assertEquals(Verdict.PASS, adv.verdict(), adv.summary());
        Map<String, Double> a = adv.evidence();
        assertEquals(ev.get("val_l1"), a.get("val_l1_after_l1_regression"), "judged against the L1 stage's own val L1");
        assertTrue(a.get("critic_estimate_final") < 0.9 * a.get("critic_estimate_peak"), a.toString());
        assertTrue(a.get("val_l1") <= 1.25 * ev.get("val_l1") && a.get("output_variance_share") >= 0.5, a.toString());
        String advRun = adv.runIds().get(0);
        com.fasterxml.jackson.databind.JsonNode spec = stack.gateway().run(advRun).path("spec");
        assertEquals(l1.runIds().get(0), spec.path("initFrom").asText(), "the critic's generator starts from the L1 run's weights");
        dev.preflight.ladder.Runs.History advHistory = stack.gateway().history(advRun);
        System.out.println("adversarial val L1 by step: " + advHistory.val().stream().map(v -> v.step() + "=" + String.format(java.util.Locale.ROOT, "%.4f", v.valLoss())).toList());
        List<dev.preflight.wire.TrainStep> train = advHistory.train();
        assertEquals(100, train.size());
        assertTrue(train.stream().allMatch(t -> t.critic() != null && Double.isFinite(t.critic().wassersteinEstimate())),
                "per-step metrics for both players: the generator's L1 (loss) and the critic's estimate");
        byte[] columns = ladder.artifacts().get(AdversarialTraining.NAME).previews()
                .get("fixed val batch: input | L1 output | adversarial output at the first and last check | target");
        assertTrue(columns != null && columns.length > 0, "the side-by-side picture with the adversarial column");
        try {
            // For a person to look at: target/ is the build's, never committed.
            java.nio.file.Files.write(java.nio.file.Path.of("target", "generative-side-by-side.png"), columns);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }

        String html = dev.preflight.report.ReportHtml.render(r, ladder.artifacts(), ladder.leaderboard());
        assertTrue(html.contains(L1Regression.NAME) && html.contains("identity_l1"), "l1-regression and its evidence in report.html");
        assertTrue(html.contains(AdversarialTraining.NAME) && html.contains("critic_estimate_peak"), "adversarial and its evidence in report.html");
    }
}
