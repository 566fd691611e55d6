package dev.preflight.recipe;

import dev.preflight.ladder.LadderOptions;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.StageContext;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recipe stage "overfit one sample" (Niessner 5/n: "Overfit to a single train sample first ... If you turn off all
 * regularizers, train loss should go to zero"; Karpathy: "overfit one batch ... verify that one can reach the lowest
 * achievable loss").
 *
 * <p>PASS when the final train loss is below {@link Thresholds#maxFinalLoss()} within the step budget. FAIL otherwise
 * — the usual causes are a learning rate of 0, weights that are never updated, or a broken loss — or when the run
 * itself failed (e.g. a NaN loss).
 */
public final class OverfitOneSample extends RecipeStage<OverfitOneSample.Thresholds> {

    public static final String NAME = "overfit-one-sample";

    /**
     * @param maxFinalLoss train loss the single sample must get below ("train loss should go to zero"); default 0.01
     * @param steps        step budget; default 300 (Adam at 1e-3 memorises one sample in well under 100 steps)
     */
    public record Thresholds(double maxFinalLoss, int steps) {
        public static final Thresholds DEFAULT = new Thresholds(0.01, 300);
    }

    /** The recipe line this stage checks. */
    public static final String RECIPE_LINE = "Overfit to a single train sample first ... if you turn off all regularizers, train loss should go to zero (Niessner 5/n)";

    /** With {@link Thresholds#DEFAULT}. */
    public OverfitOneSample() {
        this(Thresholds.DEFAULT);
    }

    public OverfitOneSample(Thresholds thresholds) {
        super(NAME, RECIPE_LINE, thresholds);
    }

    /** One sample, batch of one, no regularisation, {@link Thresholds#steps()} steps. */
    @Override
    public StageResult climb(StageContext ctx) {
        LadderOptions o = ctx.options();
        RunWatcher.Finished run = ctx.submitAndWait(NAME, runSpec(o.dataset(), ctx.plainData(1, 1), o.model(), thresholds(), o.experiment()));
        return judge(run.runId(), run.history().trainLosses(), run.lastValLoss(), run.failed() ? run.message() : null, thresholds());
    }

    /** The run this stage submits: a 1-sample train subset, no regularisation, batch of that one sample. */
    public static RunSpec runSpec(String dataset, long seed, double learningRate, List<Integer> hiddenUnits, Thresholds t) {
        return runSpec(dataset, new DataConfig(seed, 1, 1, 0.2), new ModelConfig("mlp", seed, learningRate, hiddenUnits), t, null);
    }

    /** The same for any model and data config: the subset and batch become 1 sample. */
    public static RunSpec runSpec(String dataset, DataConfig data, ModelConfig model, Thresholds t, String experiment) {
        return new RunSpec(dataset, new DataConfig(data.seed(), 1, 1, data.valFraction()), model, t.steps(), 1, null,
                experiment, NAME);
    }

    /**
     * @param trainLosses train loss per step, in step order
     * @param lastValLoss val loss of the last validated step (NaN when none arrived)
     * @param failure     the run's failure message, or null when it finished
     */
    public static StageResult judge(String runId, double[] trainLosses, double lastValLoss, String failure, Thresholds t) {
        Map<String, Double> evidence = new LinkedHashMap<>();
        double finalLoss = trainLosses.length == 0 ? Double.NaN : trainLosses[trainLosses.length - 1];
        double initialLoss = trainLosses.length == 0 ? Double.NaN : trainLosses[0];
        evidence.put("train_loss", number(finalLoss));
        evidence.put("initial_train_loss", number(initialLoss));
        evidence.put("val_loss", number(lastValLoss));
        evidence.put("steps", (double) trainLosses.length);
        evidence.put("max_final_loss", t.maxFinalLoss());
        Verdict verdict;
        String summary;
        if (failure != null) {
            verdict = Verdict.FAIL;
            summary = "the run failed: " + failure;
        } else if (trainLosses.length == 0) {
            verdict = Verdict.FAIL;
            summary = "no training step was recorded: check that batches reach the trainer";
        } else if (finalLoss < t.maxFinalLoss()) {
            verdict = Verdict.PASS;
            summary = String.format("memorised one sample: train loss %.5f < %.3g after %d steps", finalLoss, t.maxFinalLoss(), trainLosses.length);
        } else if (!(finalLoss < initialLoss)) {
            verdict = Verdict.FAIL;
            summary = String.format("train loss did not go down (%.4f -> %.4f): learning rate 0, weights not updated, or a broken loss",
                    initialLoss, finalLoss);
        } else {
            verdict = Verdict.FAIL;
            summary = String.format("train loss %.4f is still above %.3g after %d steps: learning rate too low, or the output cannot express the label",
                    finalLoss, t.maxFinalLoss(), trainLosses.length);
        }
        return new StageResult(NAME, verdict, evidence, summary, List.of(runId));
    }

    /** JSON has no NaN: a number that does not exist is written as null. */
    static Double number(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
