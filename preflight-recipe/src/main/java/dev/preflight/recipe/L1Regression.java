package dev.preflight.recipe;

import dev.preflight.ladder.LadderOptions;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.StageContext;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.ValStep;

import java.util.List;
import java.util.Locale;

/**
 * Recipe stage "l1-regression" for generative models (Niessner 12/n: "always start without a discriminator loss.
 * Instead, just do a simple L1 regression first - only once that works, add the D ... start with a simple
 * distribution"). Opt-in: it needs a paired (image-to-image) dataset, e.g. the built-in {@code shapes-paired}.
 *
 * <p>Trains the experiment's model (the zoo's {@code generator} for image pairs) with the L1 loss on the whole train
 * split for the experiment's full-data steps and judges its val L1 (the eval-service's val loss of an L1 run: mean
 * |output - target| over a val batch, in the targets' [0, 1] units) against two baselines the data-service computes on
 * the same val split: the <b>identity</b> output (prediction = input: what a generator that learnt nothing but to copy
 * gives) and the <b>mean target image</b> of the train split (the input-independent baseline: what a generator that
 * ignores its input converges to). PASS when val L1 went down by {@link Thresholds#minValLossDrop()} and beats both
 * baselines by {@link Thresholds#baselineMargin()}; FAIL otherwise, naming the number it did not beat.
 */
public final class L1Regression extends RecipeStage<L1Regression.Thresholds> {

    public static final String NAME = "l1-regression";

    /**
     * @param minValLossDrop val L1 must fall by at least this share from its first val points; default 0.02 (Niessner
     *                       7/n: "if your val loss goes down (even just slightly), congrats, you learned something")
     * @param baselineMargin the share by which val L1 must be below each baseline; default 0.05 (Karpathy 2: "get dumb
     *                       baselines"; the model's val L1 is a mean over a few random val batches, the baselines are
     *                       exact over the split: a margin keeps a tie within batch noise from counting as a win)
     */
    public record Thresholds(double minValLossDrop, double baselineMargin) {
        public static final Thresholds DEFAULT = new Thresholds(0.02, 0.05);
    }

    /**
     * The numbers the verdict needs; NaN where something was not measured.
     *
     * @param firstValL1    mean val L1 of the first validations of trained weights ({@link StageContext#ends})
     * @param finalValL1    mean val L1 of the last validations, a window disjoint from the first
     * @param identityL1    val L1 of the identity output (prediction = input), over the whole val split
     * @param meanTargetL1  val L1 of the train split's mean target image, over the whole val split
     */
    public record Measurements(double firstValL1, double finalValL1, double identityL1, double meanTargetL1) {
    }

    /** The recipe line this stage checks. */
    public static final String RECIPE_LINE = "For generative models, always start without a discriminator loss; just do a simple L1 "
            + "regression first ... start with a simple distribution (Niessner 12/n)";

    /** With {@link Thresholds#DEFAULT}. */
    public L1Regression() {
        this(Thresholds.DEFAULT);
    }

    public L1Regression(Thresholds thresholds) {
        super(NAME, RECIPE_LINE, thresholds);
    }

    /** The experiment's model with the L1 loss, on all train data for the full-data steps, no augmentation. */
    @Override
    public StageResult climb(StageContext ctx) {
        LadderOptions o = ctx.options();
        java.util.Optional<String> wrongModel = modelProblem(o.model());
        if (wrongModel.isPresent()) {
            return new StageResult(NAME, Verdict.FAIL, new Evidence().map(), wrongModel.get(), List.of());
        }
        DataCheck.Paired paired = DataCheck.Paired.of(ctx.stats());
        if (paired == null) {
            return new StageResult(NAME, Verdict.FAIL, new Evidence().map(), "dataset '" + o.dataset() + "' is not paired "
                    + "(image-to-image): L1 regression needs inputs with target images (format paired, or the built-in shapes-paired)",
                    List.of());
        }
        RunSpec spec = ctx.spec(NAME, ctx.trainingData(o.batchSize(), false), l1(o.model()), o.fullDataSteps());
        RunWatcher.Finished run = ctx.await(ctx.submit(spec), spec.steps(), NAME);
        ctx.keep(NAME, run, "generator (L1)");
        byte[] png = ctx.data().runPreview(run.runId(), "val");
        if (png != null) {
            ctx.artifacts(NAME).previews().put("val pairs (input | target)", png);
        }
        byte[] sideBySide = sideBySide(ctx, spec, run.history().val());
        if (sideBySide != null) {
            ctx.artifacts(NAME).previews().put("fixed val batch: input | output at the first and last check | target", sideBySide);
        }
        StageContext.Ends ends = StageContext.ends(run.history().val());
        Measurements m = new Measurements(StageContext.mean(ends.first(), true), StageContext.mean(ends.last(), true),
                paired.valIdentityL1(), paired.valMeanTargetL1());
        return judge(run.runId(), m, run.failed() ? run.message() : null, thresholds());
    }

    /**
     * The fixed val batch with the generator's outputs over training ({@link SideBySide}), or null when the run recorded
     * none (images too large for a val record) or the batch cannot be fetched: a picture for the reader, not evidence
     * the verdict depends on. The batch is fetched as the eval-service fetched it: same split, size and sample seed.
     */
    private static byte[] sideBySide(StageContext ctx, RunSpec spec, List<ValStep> history) {
        List<ValStep> fixed = history.stream().filter(v -> v.fixedBatchOutputs() != null && v.fixedBatchTargets() != null).toList();
        int dim = 1;
        for (com.fasterxml.jackson.databind.JsonNode d : ctx.stats().path("sampleShape")) {
            dim *= d.asInt();
        }
        if (fixed.isEmpty() || dim <= 1) {
            return null;
        }
        int count = fixed.get(0).fixedBatchTargets().length / dim;
        try {
            dev.preflight.wire.Batch batch = ctx.data().valBatch(spec.dataset(), spec.data().seed(), spec.data().valFraction(), count,
                    dev.preflight.wire.ValSampling.fixedSampleSeed(spec.data().seed()));
            return SideBySide.png(batch, fixed);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Why {@code model} cannot be this stage's model, if it cannot: the zoo's classifier architectures. Trained anyway,
     * one regresses every pixel through its dense head and ends near the mean target ("not learning"), which blames the
     * data for a model chosen for another task. Said before anything runs by the CLI (exit 2) and the gateway (400).
     */
    public static java.util.Optional<String> modelProblem(ModelConfig model) {
        ModelConfig.Type type = model == null || model.type() == null || !ModelConfig.TYPES.contains(model.type()) ? null : model.modelType();
        if (type == null || type == ModelConfig.Type.GENERATOR || type == ModelConfig.Type.KERAS) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("l1-regression trains an image-to-image model: the zoo's generator (--model generator, "
                + "model.type generator) or your own Keras model, not '" + model.type() + "' (a classifier's architecture)");
    }

    /** {@code model} trained with the L1 loss, whatever loss it named. */
    static ModelConfig l1(ModelConfig model) {
        return model.toBuilder().loss(ModelConfig.Loss.L1).build();
    }

    /** @param failure the run's failure message, or null when it finished */
    public static StageResult judge(String runId, Measurements m, String failure, Thresholds t) {
        double drop = (m.firstValL1() - m.finalValL1()) / m.firstValL1();
        Evidence ev = new Evidence().put("val_l1_first", m.firstValL1()).put("val_l1", m.finalValL1()).put("val_l1_drop", drop)
                .put("identity_l1", m.identityL1()).put("mean_target_l1", m.meanTargetL1())
                .put("vs_identity", m.finalValL1() / m.identityL1()).put("vs_mean_target", m.finalValL1() / m.meanTargetL1());
        Verdict v = Verdict.FAIL;
        String summary;
        double keep = 1 - t.baselineMargin();
        if (failure != null) {
            summary = "the run failed: " + failure;
        } else if (!Double.isFinite(m.finalValL1())) {
            summary = "no validation was recorded: check the eval-service and the val split";
        } else if (!Double.isFinite(m.identityL1()) || !Double.isFinite(m.meanTargetL1())) {
            summary = "no baselines: the data-service's stats carry no identity and mean-target L1 for this split";
        } else if (!(drop >= t.minValLossDrop())) {
            summary = String.format(Locale.ROOT, "not learning: val L1 did not go down (%.4f -> %.4f)", m.firstValL1(), m.finalValL1());
        } else if (!(m.finalValL1() < keep * m.identityL1())) {
            summary = String.format(Locale.ROOT, "val L1 %.4f does not beat the identity output (prediction = input: %.4f) by %.0f %%: "
                    + "the generator copies its input instead of mapping it", m.finalValL1(), m.identityL1(), 100 * t.baselineMargin());
        } else if (!(m.finalValL1() < keep * m.meanTargetL1())) {
            summary = String.format(Locale.ROOT, "val L1 %.4f does not beat the mean target image (%.4f) by %.0f %%: the output "
                    + "ignores its input (input-independent baseline)", m.finalValL1(), m.meanTargetL1(), 100 * t.baselineMargin());
        } else {
            v = Verdict.PASS;
            summary = String.format(Locale.ROOT, "L1 regression works: val L1 %.4f -> %.4f, below the identity output (%.4f) and the "
                    + "mean target image (%.4f); only now add a discriminator", m.firstValL1(), m.finalValL1(), m.identityL1(), m.meanTargetL1());
        }
        return new StageResult(NAME, v, ev.map(), summary, List.of(runId));
    }
}
