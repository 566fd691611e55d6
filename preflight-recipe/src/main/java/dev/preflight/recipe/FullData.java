package dev.preflight.recipe;

import dev.preflight.ladder.LadderOptions;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.StageContext;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.ValStep;

import java.util.List;

/**
 * Recipe stage "full data" (Niessner 7/n: "throw more data at the problem ... if your val loss goes down (even just
 * slightly), congrats, you learned something"; 14/n: "it's much better to use the simple baseline"; Karpathy:
 * "input-independent baseline ... get dumb baselines").
 *
 * <p>In order: FAIL "ignores its input" when the model on zeroed inputs scores what it scores on the real ones;
 * FAIL "not learning" when val accuracy stays at chance (e.g. shuffled labels) or val loss does not go down;
 * WARN when it does not beat the majority class or logistic regression on the flattened inputs; else PASS.
 */
public final class FullData extends RecipeStage<FullData.Thresholds> {

    public static final String NAME = "full-data";

    /**
     * @param minValLossDrop  val loss must fall by at least this share from the first val point; default 0.02 ("even just slightly")
     * @param chanceMargin    accuracy within this of chance (1/C) means not learning; default 0.05
     * @param sameAsZeroInput relative val-loss difference to the zero-input model below which the input is ignored; default 0.01
     * @param baselineMargin  accuracy the model must beat each simple baseline by; default 0.01
     */
    public record Thresholds(double minValLossDrop, double chanceMargin, double sameAsZeroInput, double baselineMargin) {
        public static final Thresholds DEFAULT = new Thresholds(0.02, 0.05, 0.01, 0.01);
    }

    /** The numbers the verdict needs; NaN where something was not measured. */
    public record Measurements(double firstValLoss, double finalValLoss, double finalValAccuracy, double zeroInputValLoss,
                               double zeroInputAccuracy, double majorityAccuracy, double logisticAccuracy, int numClasses) {
    }

    /** The recipe line this stage checks. */
    public static final String RECIPE_LINE = "Throw more data at the problem ... if your val loss goes down, congrats, you learned something (Niessner 7/n); get dumb baselines (Karpathy 2)";

    /** With {@link Thresholds#DEFAULT}. */
    public FullData() {
        this(Thresholds.DEFAULT);
    }

    public FullData(Thresholds thresholds) {
        super(NAME, RECIPE_LINE, thresholds);
    }

    /** The model on all data, next to logistic regression on the same data (a linear model: no hidden layer). */
    @Override
    public StageResult climb(StageContext ctx) {
        LadderOptions o = ctx.options();
        // The label-noise stage ranks this run's predictions on every sample: asked for only when it will climb.
        RunSpec main = modelSpec(ctx, NAME).withPredictions(o.stageNames().contains(LabelNoise.NAME) ? LabelNoise.SPLITS : null);
        ModelConfig linear = new ModelConfig("mlp", o.seed(), 1e-3, List.of());
        RunSpec logistic = ctx.spec(NAME, ctx.trainingData(o.batchSize(), true), linear, o.fullDataSteps());
        String mainId = ctx.submit(main);
        String logisticId = ctx.submit(logistic);
        RunWatcher.Finished run = ctx.await(mainId, main.steps(), NAME);
        RunWatcher.Finished baseline = ctx.await(logisticId, logistic.steps(), "logistic-baseline");
        ctx.keep(NAME, run, "model");
        ctx.keep(NAME, baseline, "logistic baseline");
        // "Visualize just before the net": what the trainer received (train) and what validation saw (val).
        for (String split : List.of("train", "val")) {
            byte[] png = ctx.data().runPreview(mainId, split);
            if (png != null) {
                ctx.artifacts(NAME).previews().put(split + " batch as the network sees it", png);
            }
        }
        ValStep zeroAtEnd = run.history().val().stream().filter(v -> v.step() == run.lastStep() && v.zeroInputLoss() != null)
                .findFirst().orElse(null);
        StageContext.Ends ends = StageContext.ends(run.history().val());
        Measurements m = new Measurements(StageContext.mean(ends.first(), true),
                StageContext.mean(ends.last(), true), StageContext.mean(ends.last(), false),
                zeroAtEnd == null ? Double.NaN : zeroAtEnd.zeroInputLoss(),
                zeroAtEnd == null || zeroAtEnd.zeroInputAccuracy() == null ? Double.NaN : zeroAtEnd.zeroInputAccuracy(),
                ctx.majorityShare(), StageContext.mean(StageContext.tail(StageContext.trained(baseline.history().val())), false),
                ctx.classes());
        return judge(List.of(mainId, logisticId), m, run.failed() ? run.message() : null, thresholds()).withEarlyStopping(run);
    }

    /** The model on all training data for the experiment's full-data steps, as {@code stage}'s run. */
    static RunSpec modelSpec(StageContext ctx, String stage) {
        LadderOptions o = ctx.options();
        return ctx.spec(stage, ctx.trainingData(o.batchSize(), true), o.model(), o.fullDataSteps()).withEarlyStopping(o.earlyStopping());
    }

    public static StageResult judge(List<String> runIds, Measurements m, String failure, Thresholds t) {
        double chance = 1.0 / m.numClasses();
        double drop = (m.firstValLoss() - m.finalValLoss()) / m.firstValLoss();
        double zeroGap = Math.abs(m.finalValLoss() - m.zeroInputValLoss()) / m.finalValLoss();
        Evidence ev = new Evidence().put("val_loss_first", m.firstValLoss()).put("val_loss", m.finalValLoss())
                .put("val_loss_drop", drop).put("val_accuracy", m.finalValAccuracy()).put("chance_accuracy", chance)
                .put("zero_input_val_loss", m.zeroInputValLoss()).put("zero_input_accuracy", m.zeroInputAccuracy())
                .put("majority_class_accuracy", m.majorityAccuracy()).put("logistic_regression_accuracy", m.logisticAccuracy());
        Verdict v;
        String summary;
        if (failure != null) {
            v = Verdict.FAIL;
            summary = "the run failed: " + failure;
        } else if (!Double.isFinite(m.finalValLoss()) || !Double.isFinite(m.finalValAccuracy())) {
            v = Verdict.FAIL;
            summary = "no validation was recorded: check the eval-service and the val split";
        } else if (Double.isFinite(zeroGap) && zeroGap < t.sameAsZeroInput()) {
            v = Verdict.FAIL;
            summary = String.format("ignores its input: the model on all-zero inputs scores the same (val loss %.4f vs %.4f); "
                    + "check that the data reaches the network (normalisation to 0? a wrong tensor fed?)", m.zeroInputValLoss(), m.finalValLoss());
        } else if (m.finalValAccuracy() <= chance + t.chanceMargin()) {
            v = Verdict.FAIL;
            summary = String.format("not learning: val accuracy %.3f is at chance (%.3f); are the labels shuffled against the "
                    + "inputs, or the wrong column?", m.finalValAccuracy(), chance);
        } else if (!(drop >= t.minValLossDrop())) {
            v = Verdict.FAIL;
            summary = String.format("not learning: val loss did not go down (%.4f -> %.4f)", m.firstValLoss(), m.finalValLoss());
        } else if (Double.isFinite(m.majorityAccuracy()) && m.finalValAccuracy() < m.majorityAccuracy() + t.baselineMargin()) {
            v = Verdict.WARN;
            summary = String.format("val accuracy %.3f does not beat predicting the majority class (%.3f)", m.finalValAccuracy(), m.majorityAccuracy());
        } else if (Double.isFinite(m.logisticAccuracy())
                // At the ceiling no model can beat a perfect baseline by a margin: matching it is all there is.
                && m.finalValAccuracy() < Math.min(1.0, m.logisticAccuracy() + t.baselineMargin())) {
            v = Verdict.WARN;
            summary = String.format("val accuracy %.3f does not beat logistic regression on the same inputs (%.3f): the network "
                    + "adds nothing yet", m.finalValAccuracy(), m.logisticAccuracy());
        } else {
            v = Verdict.PASS;
            boolean ceiling = m.finalValAccuracy() >= 1.0 && m.logisticAccuracy() >= 1.0;
            summary = String.format("learning: val loss %.4f -> %.4f, accuracy %.3f beats majority %.3f and %s",
                    m.firstValLoss(), m.finalValLoss(), m.finalValAccuracy(), m.majorityAccuracy(), ceiling
                            ? "matches logistic regression at 1.000 (a linear model suffices for this data)"
                            : String.format("logistic regression %.3f", m.logisticAccuracy()));
        }
        return new StageResult(NAME, v, ev.map(), summary, runIds);
    }
}
