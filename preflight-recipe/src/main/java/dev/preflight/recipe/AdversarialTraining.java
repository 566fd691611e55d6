package dev.preflight.recipe;

import dev.preflight.ladder.LadderOptions;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.StageContext;
import dev.preflight.wire.Adversarial;
import dev.preflight.wire.Batch;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import dev.preflight.wire.ValSampling;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Recipe stage "adversarial" for generative models, the second half of Niessner 12/n: "only once that [L1 regression]
 * works, add the D ... (Wasserstein is a good choice)". Opt-in, after {@link L1Regression}, and refused unless that
 * stage PASSed in the same ladder: a discriminator added to a generator that has not learnt the mapping is the failure
 * the recipe warns about.
 *
 * <p>Trains the same generator from the L1 run's final weights ({@code RunSpec.initFrom}) with a Wasserstein critic
 * ({@link Adversarial}: n critic updates per generator update, weight clipping, L1 kept) for the full-data steps, and
 * judges what a GAN does when it goes wrong:
 * <ul>
 *   <li><b>a diverging critic</b>: a NaN estimate or loss, or the smoothed Wasserstein estimate ending more than
 *       {@link Thresholds#maxEstimateGrowth()} x its value at the end of the critic's warm-up;</li>
 *   <li><b>mode collapse</b>: the generator's output variance across the fixed val batch (per pixel, over samples) ending
 *       below {@link Thresholds#minOutputVarianceShare()} of the L1 weights' on the same batch: outputs that no longer
 *       depend on their input;</li>
 *   <li><b>L1 degradation</b>: val L1 ending more than {@link Thresholds#maxL1Degradation()} above the l1-regression
 *       stage's (a critic that pulls the generator away from its targets);</li>
 *   <li>and PASS only when the critic's smoothed estimate <b>shrinks</b> by {@link Thresholds#minEstimateShrink()} from
 *       its peak to the end: the generator catching up with what the critic tells apart.</li>
 * </ul>
 * The estimate is smoothed over {@link #window(int)} steps: each step's estimate is on its own train batch.
 */
public final class AdversarialTraining extends RecipeStage<AdversarialTraining.Thresholds> {

    public static final String NAME = "adversarial";

    /** The recipe line this stage checks. */
    public static final String RECIPE_LINE = "For generative models ... only once that [L1 regression] works, add the D ... "
            + "Wasserstein is a good choice (Niessner 12/n)";

    /**
     * @param minEstimateShrink      the smoothed Wasserstein estimate must end at least this share below its peak; default
     *                               0.1 (a GAN's "loss going down": WGAN's estimate tracks sample quality, Arjovsky et al.
     *                               2017 fig. 3; measured on shapes-paired it shrank 68-97 % from its peak in 100 steps)
     * @param maxEstimateGrowth      FAIL when the smoothed estimate ends above this multiple of its value at the end of the
     *                               critic's warm-up: growth without bound; default 3 (measured: a healthy critic's peak
     *                               was 2.2x its warm-up value, and it came back down)
     * @param minOutputVarianceShare FAIL when the output variance across the fixed val batch ends below this share of
     *                               the L1 weights'; default 0.5 (mode collapse: the outputs stop depending on the input)
     * @param maxL1Degradation       FAIL when val L1 ends more than this share above the l1-regression stage's; default
     *                               0.25 (an adversarial term trades a little L1 for sharpness, pix2pix keeps L1 for that;
     *                               more means the critic pulls the generator off its targets)
     */
    public record Thresholds(double minEstimateShrink, double maxEstimateGrowth, double minOutputVarianceShare,
                             double maxL1Degradation) {
        public static final Thresholds DEFAULT = new Thresholds(0.1, 3.0, 0.5, 0.25);
    }

    /**
     * The numbers the verdict needs; NaN where something was not measured.
     *
     * @param estimates      the critic's Wasserstein estimate per train step, in step order (NaN kept: it is evidence)
     * @param criticLosses   the critic's loss per train step, same order
     * @param warmupSteps    the critic's warm-up steps ({@link Adversarial#warmupStepsOrDefault()})
     * @param l1ValL1        val L1 the l1-regression stage ended with (its evidence {@code val_l1})
     * @param finalValL1     mean val L1 of this run's validations in its last {@link #window(int)} steps
     * @param startVariance  output variance across the fixed val batch at this run's first fixed-batch check (the L1
     *                       weights, step 0)
     * @param finalVariance  the same at its last fixed-batch check
     * @param targetVariance the targets' variance across the same batch, for scale
     */
    public record Measurements(double[] estimates, double[] criticLosses, int warmupSteps, double l1ValL1, double finalValL1,
                               double startVariance, double finalVariance, double targetVariance) {
    }

    private final Adversarial option;

    /** With {@link Thresholds#DEFAULT} and the critic's defaults ({@link Adversarial#DEFAULT}). */
    public AdversarialTraining() {
        this(Thresholds.DEFAULT, Adversarial.DEFAULT);
    }

    /** @param option the critic and its training (null: {@link Adversarial#DEFAULT}) */
    public AdversarialTraining(Thresholds thresholds, Adversarial option) {
        super(NAME, RECIPE_LINE, thresholds);
        this.option = option == null ? Adversarial.DEFAULT : option;
    }

    @Override
    public StageResult climb(StageContext ctx) {
        LadderOptions o = ctx.options();
        Optional<StageResult> l1 = ctx.result(L1Regression.NAME);
        Optional<RunWatcher.Finished> l1Run = ctx.mainRun(L1Regression.NAME);
        if (l1.isEmpty() || l1.get().verdict() != Verdict.PASS || l1Run.isEmpty()) {
            return refused(l1.orElse(null));
        }
        RunSpec spec = ctx.spec(NAME, ctx.trainingData(o.batchSize(), false), L1Regression.l1(o.model()), o.fullDataSteps())
                .withInitFromAndAdversarial(l1Run.get().runId(), option);
        RunWatcher.Finished run = ctx.await(ctx.submit(spec), spec.steps(), NAME);
        ctx.keep(NAME, run, "generator + Wasserstein critic");
        List<ValStep> fixed = run.history().val().stream().filter(v -> v.fixedBatchOutputs() != null && v.fixedBatchTargets() != null).toList();
        List<ValStep> l1Fixed = l1Run.get().history().val().stream().filter(v -> v.fixedBatchOutputs() != null && v.fixedBatchTargets() != null).toList();
        int dim = dim(ctx);
        byte[] png = sideBySide(ctx, spec, l1Fixed, fixed, dim);
        if (png != null) {
            ctx.artifacts(NAME).previews().put("fixed val batch: input | L1 output | adversarial output at the first and last check | target", png);
        }
        List<TrainStep> train = run.history().train();
        double[] estimates = train.stream().mapToDouble(t -> t.critic() == null ? Double.NaN : t.critic().wassersteinEstimate()).toArray();
        double[] criticLosses = train.stream().mapToDouble(t -> t.critic() == null ? Double.NaN : t.critic().criticLoss()).toArray();
        Double l1Val = l1.get().evidence().get("val_l1");
        Measurements m = new Measurements(estimates, criticLosses, option.warmupStepsOrDefault(), l1Val == null ? Double.NaN : l1Val,
                finalValL1(run.history().val(), spec.steps()),
                fixed.isEmpty() ? Double.NaN : acrossSamples(fixed.get(0).fixedBatchOutputs(), dim),
                fixed.isEmpty() ? Double.NaN : acrossSamples(fixed.get(fixed.size() - 1).fixedBatchOutputs(), dim),
                fixed.isEmpty() ? Double.NaN : acrossSamples(fixed.get(0).fixedBatchTargets(), dim));
        return judge(run.runId(), m, run.failed() ? run.message() : null, thresholds());
    }

    /** The refusal: this stage builds on an l1-regression that PASSed in the same ladder. */
    static StageResult refused(StageResult l1) {
        String why = l1 == null
                ? "l1-regression did not run before it in this ladder: name l1-regression in the stages too"
                : "l1-regression ended " + l1.verdict() + " (" + l1.summary() + ")";
        return new StageResult(NAME, Verdict.FAIL, new Evidence().map(), "refused: the adversarial stage adds a critic only once L1 "
                + "regression works (Niessner 12/n) and starts from its weights; " + why, List.of(), List.of());
    }

    /** Values per sample image: the product of the dataset's sample shape. */
    private static int dim(StageContext ctx) {
        int dim = 1;
        for (com.fasterxml.jackson.databind.JsonNode d : ctx.stats().path("sampleShape")) {
            dim *= d.asInt();
        }
        return dim;
    }

    /**
     * Mean over pixels of the variance across samples of a fixed-batch image tensor (count x {@code dim}, null elements
     * skipped per pixel): how much the images differ from each other. NaN when there is nothing to measure.
     */
    static double acrossSamples(Double[] values, int dim) {
        if (values == null || dim < 1 || values.length < 2 * dim || values.length % dim != 0) {
            return Double.NaN;
        }
        int count = values.length / dim;
        double total = 0;
        int pixels = 0;
        for (int p = 0; p < dim; p++) {
            double sum = 0;
            double squares = 0;
            int n = 0;
            for (int i = 0; i < count; i++) {
                Double v = values[i * dim + p];
                if (v != null) {
                    sum += v;
                    squares += v * v;
                    n++;
                }
            }
            if (n >= 2) {
                double mean = sum / n;
                total += Math.max(0, squares / n - mean * mean);
                pixels++;
            }
        }
        return pixels == 0 ? Double.NaN : total / pixels;
    }

    /**
     * input | the L1 run's last output | this run's first and last output | target, on the fixed val batch; null when
     * either run recorded no fixed-batch outputs or the batch cannot be fetched (a picture, not evidence).
     */
    private static byte[] sideBySide(StageContext ctx, RunSpec spec, List<ValStep> l1Fixed, List<ValStep> fixed, int dim) {
        if (fixed.isEmpty() || l1Fixed.isEmpty() || dim <= 1) {
            return null;
        }
        ValStep last = fixed.get(fixed.size() - 1);
        try {
            Batch batch = ctx.data().valBatch(spec.dataset(), spec.data().seed(), spec.data().valFraction(),
                    last.fixedBatchTargets().length / dim, ValSampling.fixedSampleSeed(spec.data().seed()));
            return SideBySide.png(batch, last.fixedBatchTargets(), List.of(l1Fixed.get(l1Fixed.size() - 1).fixedBatchOutputs(),
                    fixed.get(0).fixedBatchOutputs(), last.fixedBatchOutputs()));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Mean val L1 of the validations in the run's last {@link #window(int)} steps (at least the last
     * {@link StageContext#SMOOTHING}): a GAN's val L1 oscillates with the two players (measured on shapes-paired: between
     * 0.024 and 0.042 with a period of 10 to 20 steps), so the last five points alone would judge the phase it ends in.
     */
    static double finalValL1(List<ValStep> val, int steps) {
        List<ValStep> trained = StageContext.trained(val);
        List<ValStep> last = trained.stream().filter(v -> v.step() > steps - window(steps)).toList();
        return StageContext.mean(last.size() >= StageContext.SMOOTHING ? last : StageContext.tail(trained), true);
    }

    /** Steps the estimate is smoothed over: a tenth of the run, at least 5. */
    public static int window(int steps) {
        return Math.max(5, steps / 10);
    }

    /** @param failure the run's failure message, or null when it finished */
    public static StageResult judge(String runId, Measurements m, String failure, Thresholds t) {
        double[] w = m.estimates();
        int win = window(w.length);
        double[] smooth = smoothed(w, win);
        int warmEnd = Math.min(w.length, Math.max(win, m.warmupSteps())) - 1;
        double atWarmup = warmEnd >= 0 && warmEnd < smooth.length ? smooth[warmEnd] : Double.NaN;
        int peakAt = -1;
        for (int i = Math.max(0, win - 1); i < smooth.length; i++) {
            if (Double.isFinite(smooth[i]) && (peakAt < 0 || smooth[i] > smooth[peakAt])) {
                peakAt = i;
            }
        }
        double peak = peakAt < 0 ? Double.NaN : smooth[peakAt];
        double last = smooth.length == 0 ? Double.NaN : smooth[smooth.length - 1];
        double shrink = (peak - last) / peak;
        double varianceShare = m.finalVariance() / m.startVariance();
        double l1Change = (m.finalValL1() - m.l1ValL1()) / m.l1ValL1();
        Evidence ev = new Evidence().put("critic_estimate_after_warmup", atWarmup).put("critic_estimate_peak", peak)
                .put("critic_estimate_peak_step", peakAt + 1).put("critic_estimate_final", last).put("critic_estimate_shrink", shrink)
                .put("smoothing_steps", win).put("output_variance_start", m.startVariance()).put("output_variance_final", m.finalVariance())
                .put("target_variance", m.targetVariance()).put("output_variance_share", varianceShare)
                .put("val_l1_after_l1_regression", m.l1ValL1()).put("val_l1", m.finalValL1()).put("val_l1_change", l1Change);
        int firstNaN = firstNonFinite(w, m.criticLosses());
        Verdict v = Verdict.FAIL;
        String summary;
        if (failure != null) {
            summary = "the run failed: " + failure;
        } else if (w.length == 0) {
            summary = "no critic metrics were recorded: the run did not train against a critic";
        } else if (firstNaN >= 0) {
            summary = String.format(Locale.ROOT, "the critic diverged: its estimate or loss is not finite from step %d: lower "
                    + "criticLearningRate or clip", firstNaN + 1);
        } else if (!Double.isFinite(m.finalValL1()) || !Double.isFinite(m.l1ValL1())) {
            summary = "no val L1 to compare: check the eval-service and the l1-regression stage's evidence";
        } else if (!(varianceShare >= t.minOutputVarianceShare())) {
            summary = String.format(Locale.ROOT, "mode collapse: the outputs' variance across the fixed val batch fell from %.4g "
                    + "to %.4g (%.0f %%, below %.0f %%): the generator stopped depending on its input", m.startVariance(),
                    m.finalVariance(), 100 * varianceShare, 100 * t.minOutputVarianceShare());
        } else if (!(l1Change <= t.maxL1Degradation())) {
            summary = String.format(Locale.ROOT, "val L1 degraded from %.4f (l1-regression) to %.4f (+%.0f %%, more than %.0f %%): "
                    + "the critic pulls the generator off its targets; lower adversarialWeight", m.l1ValL1(), m.finalValL1(),
                    100 * l1Change, 100 * t.maxL1Degradation());
        } else if (Double.isFinite(atWarmup) && atWarmup > 0 && last > t.maxEstimateGrowth() * atWarmup) {
            summary = String.format(Locale.ROOT, "the critic diverges: its estimate grew from %.4g after the warm-up to %.4g "
                    + "(x%.1f, more than x%.1f) without coming back; lower criticLearningRate or clip", atWarmup, last, last / atWarmup,
                    t.maxEstimateGrowth());
        } else if (!(peak > 0)) {
            summary = String.format(Locale.ROOT, "the critic never told real from generated pairs apart (estimate peak %.4g): "
                    + "the generator gets no adversarial signal; raise criticLearningRate or clip", peak);
        } else if (!(shrink >= t.minEstimateShrink())) {
            summary = String.format(Locale.ROOT, "the critic's estimate did not shrink: peak %.4g at step %d, %.4g at the end "
                    + "(%.0f %% lower, needs %.0f %%): the generator is not catching up; train longer or raise adversarialWeight",
                    peak, peakAt + 1, last, 100 * shrink, 100 * t.minEstimateShrink());
        } else {
            v = Verdict.PASS;
            summary = String.format(Locale.ROOT, "the Wasserstein estimate shrank %.0f %% from its peak (%.4g at step %d to %.4g), "
                    + "val L1 %.4f (l1-regression %.4f), output variance across the val batch %.0f %% of the L1 weights'", 100 * shrink, peak, peakAt + 1, last,
                    m.finalValL1(), m.l1ValL1(), 100 * varianceShare);
        }
        return new StageResult(NAME, v, ev.map(), summary, List.of(runId));
    }

    /** Trailing mean over {@code window} values (fewer at the start); NaN where a value in the window is NaN. */
    static double[] smoothed(double[] values, int window) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            double sum = 0;
            int from = Math.max(0, i - window + 1);
            for (int k = from; k <= i; k++) {
                sum += values[k];
            }
            out[i] = sum / (i - from + 1);
        }
        return out;
    }

    private static int firstNonFinite(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i]) || (i < b.length && !Double.isFinite(b[i]))) {
                return i;
            }
        }
        return -1;
    }
}
