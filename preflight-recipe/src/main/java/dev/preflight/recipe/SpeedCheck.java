package dev.preflight.recipe;

import dev.preflight.ladder.LadderOptions;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.StageContext;
import dev.preflight.wire.TrainStep;

import java.util.List;

/**
 * Recipe stage "speed" (Niessner 8/n: "Make sure you understand where the bottle neck lies (data loading vs
 * backprop); a single batch should be processed in under a second").
 *
 * <p>FAIL when the median step takes a second or more. Otherwise the data-wait share of the step names the
 * bottleneck: below {@link Thresholds#moderate()} compute-bound (PASS), up to {@link Thresholds#inputBound()}
 * moderately input-bound (PASS, noted), at or above it input-bound (WARN: fix the data side first).
 */
public final class SpeedCheck extends RecipeStage<SpeedCheck.Thresholds> {

    public static final String NAME = "speed";

    /**
     * @param maxStepSeconds median step must stay below this; default 1.0 s
     * @param moderate       data-wait share from which the input pipeline is noticeable; default 0.05
     * @param inputBound     data-wait share from which the run is input-bound; default 0.20
     */
    public record Thresholds(double maxStepSeconds, double moderate, double inputBound) {
        public static final Thresholds DEFAULT = new Thresholds(1.0, 0.05, 0.20);
    }

    public enum Bottleneck { COMPUTE_BOUND, MODERATELY_INPUT_BOUND, INPUT_BOUND }

    /** The recipe line this stage checks. */
    public static final String RECIPE_LINE = "Make sure you understand where the bottle neck lies (data loading vs backprop); a single batch should be processed in under a second (Niessner 8/n)";

    /** With {@link Thresholds#DEFAULT}. */
    public SpeedCheck() {
        this(Thresholds.DEFAULT);
    }

    public SpeedCheck(Thresholds thresholds) {
        super(NAME, RECIPE_LINE, thresholds);
    }

    /** Reuses the full-data run when that stage ran (no extra cost); otherwise trains 100 steps of its own. */
    @Override
    public StageResult climb(StageContext ctx) {
        LadderOptions o = ctx.options();
        RunWatcher.Finished run = ctx.mainRun(FullData.NAME).orElse(null);
        if (run != null) {
            ctx.keep(NAME, run);
        } else {
            run = ctx.submitAndWait(NAME, ctx.spec(NAME, ctx.trainingData(o.batchSize(), true), o.model(), 100));
        }
        List<TrainStep> train = run.history().train();
        double coverage = train.isEmpty() ? Double.NaN : (double) StageContext.trained(run.history().val()).size() / train.size();
        return judge(run.runId(), train.stream().mapToDouble(TrainStep::stepSeconds).toArray(),
                train.stream().mapToDouble(TrainStep::dataWaitSeconds).toArray(), o.batchSize(), Math.min(10, train.size() / 10),
                coverage, thresholds());
    }

    /**
     * @param stepSeconds     per-step wall time
     * @param dataWaitSeconds per-step time blocked waiting for the batch
     * @param skipFirst       warm-up steps to ignore (graph compilation, JIT, connection set-up)
     */
    public static StageResult judge(String runId, double[] stepSeconds, double[] dataWaitSeconds, int batchSize, int skipFirst, Thresholds t) {
        return judge(runId, stepSeconds, dataWaitSeconds, batchSize, skipFirst, Double.NaN, t);
    }

    /**
     * @param valCoverage validated steps / trained steps of the same run (Niessner 4/n: "log val the same way as train:
     *                    after every iteration"); recorded as evidence, NaN when unknown
     */
    public static StageResult judge(String runId, double[] stepSeconds, double[] dataWaitSeconds, int batchSize, int skipFirst,
                                    double valCoverage, Thresholds t) {
        int from = Math.min(skipFirst, Math.max(0, stepSeconds.length - 1));
        double total = 0;
        double wait = 0;
        double[] steps = java.util.Arrays.copyOfRange(stepSeconds, from, stepSeconds.length);
        for (int i = from; i < stepSeconds.length; i++) {
            total += stepSeconds[i];
            wait += dataWaitSeconds[i];
        }
        double median = median(steps);
        double share = total > 0 ? wait / total : Double.NaN;
        Bottleneck bottleneck = share >= t.inputBound() ? Bottleneck.INPUT_BOUND
                : share >= t.moderate() ? Bottleneck.MODERATELY_INPUT_BOUND : Bottleneck.COMPUTE_BOUND;
        Evidence ev = new Evidence().put("median_step_seconds", median).put("data_wait_share", share)
                .put("samples_per_second", total > 0 ? batchSize * steps.length / total : Double.NaN)
                .put("steps_measured", steps.length).put("val_coverage", valCoverage).put("max_step_seconds", t.maxStepSeconds());
        Verdict v;
        String summary;
        if (steps.length == 0) {
            v = Verdict.FAIL;
            summary = "no steps to measure";
        } else if (!(median < t.maxStepSeconds())) {
            v = Verdict.FAIL;
            summary = String.format("a batch takes %.2f s (median), over the %.1f s the recipe allows: %s", median, t.maxStepSeconds(),
                    bottleneck == Bottleneck.COMPUTE_BOUND ? "shrink the model or the batch" : "the data path is the slow side");
        } else if (bottleneck == Bottleneck.INPUT_BOUND) {
            v = Verdict.WARN;
            summary = String.format("input-bound: %.0f %% of each step waits for data; fix the data side (loading, decoding, "
                    + "augmentation, prefetch) before touching the model", 100 * share);
        } else if (bottleneck == Bottleneck.MODERATELY_INPUT_BOUND) {
            v = Verdict.PASS;
            summary = String.format("moderately input-bound: %.0f %% of each step waits for data; compute dominates", 100 * share);
        } else {
            v = Verdict.PASS;
            summary = String.format("compute-bound: %.1f %% data wait, %.1f ms per batch", 100 * share, 1000 * median);
        }
        return new StageResult(NAME, v, ev.map(), summary + " [" + bottleneck + "]", List.of(runId));
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
