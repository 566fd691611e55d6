package dev.preflight.recipe;

import dev.preflight.ladder.LadderOptions;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.StageContext;
import dev.preflight.wire.ValStep;

import java.util.List;

/**
 * Recipe stage "overfit 5-10 samples" (Niessner 6/n: "now the network needs to predict different outputs depending
 * on the input ... train loss should still go to zero and training should take at most a few minutes. Val loss will
 * go up as you don't learn anything yet.").
 */
public final class OverfitFewSamples extends RecipeStage<OverfitFewSamples.Thresholds> {

    public static final String NAME = "overfit-few-samples";

    /**
     * @param samples      training subset size, in [5, 10]; default 10
     * @param maxFinalLoss the loss must get below this ("should still go to zero"); default 0.05
     * @param steps        step budget; default 500 (minutes at most, per the recipe)
     */
    public record Thresholds(int samples, double maxFinalLoss, int steps) {
        public static final Thresholds DEFAULT = new Thresholds(10, 0.05, 500);
    }

    /** The recipe line this stage checks. */
    public static final String RECIPE_LINE = "Overfit to 5-10 samples: the network needs to predict different outputs depending on the input ... train loss should still go to zero (Niessner 6/n)";

    /** With {@link Thresholds#DEFAULT}. */
    public OverfitFewSamples() {
        this(Thresholds.DEFAULT);
    }

    public OverfitFewSamples(Thresholds thresholds) {
        super(NAME, RECIPE_LINE, thresholds);
    }

    /** {@link Thresholds#samples()} samples in one batch, no regularisation, {@link Thresholds#steps()} steps. */
    @Override
    public StageResult climb(StageContext ctx) {
        LadderOptions o = ctx.options();
        int n = thresholds().samples();
        RunWatcher.Finished run = ctx.submitAndWait(NAME, ctx.spec(NAME, ctx.plainData(n, n), o.model(), thresholds().steps()));
        double[] val = run.history().val().stream().filter(v -> v.step() > 0).mapToDouble(ValStep::valLoss).toArray();
        return judge(run.runId(), run.history().trainLosses(), val, run.failed() ? run.message() : null, thresholds());
    }

    /**
     * @param trainLosses train loss per step
     * @param valLosses   val loss per validated step, in step order (its rise is expected and recorded)
     */
    public static StageResult judge(String runId, double[] trainLosses, double[] valLosses, String failure, Thresholds t) {
        double last = trainLosses.length == 0 ? Double.NaN : trainLosses[trainLosses.length - 1];
        double first = trainLosses.length == 0 ? Double.NaN : trainLosses[0];
        double firstVal = valLosses.length == 0 ? Double.NaN : valLosses[0];
        double lastVal = valLosses.length == 0 ? Double.NaN : valLosses[valLosses.length - 1];
        Evidence ev = new Evidence().put("train_loss", last).put("initial_train_loss", first).put("val_loss_first", firstVal)
                .put("val_loss", lastVal).put("steps", trainLosses.length).put("samples", t.samples()).put("max_final_loss", t.maxFinalLoss());
        Verdict v;
        String summary;
        if (failure != null) {
            v = Verdict.FAIL;
            summary = "the run failed: " + failure;
        } else if (trainLosses.length == 0) {
            v = Verdict.FAIL;
            summary = "no training step was recorded";
        } else if (last < t.maxFinalLoss()) {
            v = Verdict.PASS;
            // Memorising a few samples usually makes val loss rise; on easy data it falls too, which is no problem.
            summary = String.format(java.util.Locale.ROOT, "memorised %d samples: train loss %.4f < %.3g; val loss %s", t.samples(), last,
                    t.maxFinalLoss(), !(Double.isFinite(firstVal) && Double.isFinite(lastVal)) ? "not measured"
                            : String.format(java.util.Locale.ROOT, "%s (%.4f -> %.4f)", lastVal > firstVal ? "rose, as expected when memorising"
                            : "fell too: these samples generalise on this data", firstVal, lastVal));
        } else {
            v = Verdict.FAIL;
            summary = String.format("train loss %.4f is still above %.3g after %d steps on %d samples: the model cannot tell its "
                    + "inputs apart (inputs not reaching the net? labels shuffled against inputs? too little capacity?)",
                    last, t.maxFinalLoss(), trainLosses.length, t.samples());
        }
        return new StageResult(NAME, v, ev.map(), summary, List.of(runId));
    }
}
