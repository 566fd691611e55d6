package dev.preflight.recipe;

import dev.preflight.ladder.LadderOptions;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.StageContext;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import java.util.List;

/**
 * Recipe stage "init check" (Karpathy: "verify loss at init ... you should measure -log(1/n_classes) on a softmax at
 * initialization"; "init well"; "input-independent baseline").
 *
 * <p>Judges the loss of the very first batch (measured before the first update) against -ln(1/C). Far off means a
 * bad init (weights too large) or labels that do not match the outputs. Not a softmax applied twice: a doubly squashed
 * output starts near ln C too (its logits are probabilities in [0, 1]); model-check and overfit-one-sample catch it.
 *
 * <p>Paired (image-to-image) data is regression: there the expected loss at init is that of predicting the train
 * targets' mean everywhere (Karpathy 2: "if you are regressing some values that have a mean of 50 then initialize the
 * final bias to 50"), in the run's loss (L1 or L2), from the data-service's stats; the same relative thresholds.
 */
public final class InitCheck extends RecipeStage<InitCheck.Thresholds> {

    public static final String NAME = "init-check";

    /**
     * @param warnRelative relative distance from ln(C) that earns a WARN; default 0.1 (the "within 10 %")
     * @param failRelative relative distance that FAILs; default 0.5 (x100 init scale lands far beyond this)
     */
    public record Thresholds(double warnRelative, double failRelative) {
        public static final Thresholds DEFAULT = new Thresholds(0.10, 0.50);
    }

    /** The recipe line this stage checks. */
    public static final String RECIPE_LINE = "Verify loss @ init: you should measure -log(1/n_classes) on a softmax at initialization (Karpathy 2)";

    /** With {@link Thresholds#DEFAULT}. */
    public InitCheck() {
        this(Thresholds.DEFAULT);
    }

    public InitCheck(Thresholds thresholds) {
        super(NAME, RECIPE_LINE, thresholds);
    }

    /** One step at batch size: the loss of the first batch before any update, and the zero-input baseline at step 0. */
    @Override
    public StageResult climb(StageContext ctx) {
        LadderOptions o = ctx.options();
        RunWatcher.Finished run = ctx.submitAndWait(NAME, ctx.spec(NAME, ctx.trainingData(o.batchSize(), false), o.model(), 1));
        List<TrainStep> train = run.history().train();
        double initial = train.isEmpty() ? Double.NaN : train.get(0).loss();
        double zero = run.history().val().stream().filter(v -> v.step() == 0 && v.zeroInputLoss() != null)
                .mapToDouble(ValStep::zeroInputLoss).findFirst().orElse(Double.NaN);
        double entropy = train.isEmpty() || train.get(0).predictionEntropy() == null ? Double.NaN : train.get(0).predictionEntropy();
        DataCheck.Paired paired = DataCheck.Paired.of(ctx.stats());
        if (paired != null) {
            boolean l1 = o.model().lossOrDefault(true) == dev.preflight.wire.ModelConfig.Loss.L1;
            return judgeRegression(run.runId(), initial, l1 ? paired.trainConstantL1() : paired.trainConstantL2(), l1 ? "L1" : "L2",
                    zero, thresholds());
        }
        return judge(run.runId(), initial, ctx.classes(), zero, entropy, thresholds());
    }

    /**
     * Regression (paired image data): the loss of the first batch against the loss of predicting the mean target.
     *
     * @param expectedLoss the run's loss (L1 or L2, named by {@code lossName}) of predicting the train targets' mean
     *                     value everywhere; NaN when the stats carry no split
     */
    public static StageResult judgeRegression(String runId, double initialLoss, double expectedLoss, String lossName,
                                              double zeroInputLoss, Thresholds t) {
        double relative = Math.abs(initialLoss - expectedLoss) / expectedLoss;
        Evidence ev = new Evidence().put("initial_loss", initialLoss).put("expected_loss", expectedLoss)
                .put("relative_error", relative).put("zero_input_loss", zeroInputLoss);
        Verdict v;
        String summary;
        if (!Double.isFinite(initialLoss)) {
            v = Verdict.FAIL;
            summary = "loss at init is " + initialLoss + ": inputs or weights contain NaN/Inf";
        } else if (!(expectedLoss > 0)) {
            v = Verdict.FAIL;
            summary = "no expected loss at init: the data-service's stats carry no train-split targets (" + expectedLoss + ")";
        } else if (relative > t.failRelative()) {
            v = Verdict.FAIL;
            summary = String.format("%s at init %.4f is far from that of predicting the mean target, %.4f (%.0f %% off): initial "
                    + "weights too large, or an output that does not start at the targets' mean", lossName, initialLoss, expectedLoss,
                    100 * relative);
        } else if (relative > t.warnRelative()) {
            v = Verdict.WARN;
            summary = String.format("%s at init %.4f is %.0f %% off that of predicting the mean target (%.4f): initialise the output "
                    + "bias to the targets' mean", lossName, initialLoss, 100 * relative, expectedLoss);
        } else {
            v = Verdict.PASS;
            summary = String.format("%s at init %.4f matches that of predicting the mean target, %.4f", lossName, initialLoss, expectedLoss);
        }
        return new StageResult(NAME, v, ev.map(), summary, List.of(runId));
    }

    /**
     * @param initialLoss    loss of the first train batch, before any update
     * @param numClasses     C
     * @param zeroInputLoss  the same model on all-zero inputs at init (NaN if not measured): the input-independent baseline
     */
    public static StageResult judge(String runId, double initialLoss, int numClasses, double zeroInputLoss, Thresholds t) {
        return judge(runId, initialLoss, numClasses, zeroInputLoss, Double.NaN, t);
    }

    /**
     * @param predictionEntropy mean entropy of the first batch's predictions (nats); near ln(C) means the outputs start
     *                          undecided, as they should; recorded as evidence
     */
    public static StageResult judge(String runId, double initialLoss, int numClasses, double zeroInputLoss, double predictionEntropy,
                                    Thresholds t) {
        double expected = Math.log(numClasses);
        double relative = Math.abs(initialLoss - expected) / expected;
        Evidence ev = new Evidence().put("initial_loss", initialLoss).put("expected_loss", expected)
                .put("relative_error", relative).put("prediction_entropy", predictionEntropy).put("max_entropy", expected)
                .put("zero_input_loss", zeroInputLoss).put("classes", numClasses);
        Verdict v;
        String summary;
        if (!Double.isFinite(initialLoss)) {
            v = Verdict.FAIL;
            summary = "loss at init is " + initialLoss + ": inputs or weights contain NaN/Inf";
        } else if (relative > t.failRelative()) {
            v = Verdict.FAIL;
            summary = String.format("loss at init %.3f is far from -ln(1/%d) = %.3f (%.0f %% off): initial weights too large "
                    + "(the final layer above all) or labels that do not match the outputs", initialLoss, numClasses, expected, 100 * relative);
        } else if (relative > t.warnRelative()) {
            v = Verdict.WARN;
            summary = String.format("loss at init %.3f is %.0f %% off -ln(1/C) = %.3f: initialise the last layer smaller, or set "
                    + "its bias to the class priors", initialLoss, 100 * relative, expected);
        } else {
            v = Verdict.PASS;
            summary = String.format("loss at init %.3f matches -ln(1/%d) = %.3f", initialLoss, numClasses, expected);
        }
        return new StageResult(NAME, v, ev.map(), summary, List.of(runId));
    }
}
