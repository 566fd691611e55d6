package dev.preflight.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.ladder.GatewayClient;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.StageContext;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;
import dev.preflight.wire.SamplePredictions;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Recipe stage "label noise" (Karpathy 1: "Become one with the data ... How noisy are the labels?"). After the model
 * trained on all data, every train and val sample is scored by the final weights (per-sample predictions from the
 * eval-service, {@link SamplePredictions}): the samples the model finds most surprising — highest loss −ln p(given
 * label), confidently wrong ones (predicted ≠ given with p ≥ {@link Thresholds#confidence()}) first — are the quickest
 * way to find mislabelled data, and report.html shows them as a gallery.
 *
 * <p>Verdict on the train split (what the model learned from): FAIL when more than {@link Thresholds#failShare()} of it
 * is confidently contradicted (labels this noisy, or labels misaligned with their inputs, cap what any model learns),
 * or when there are no predictions to judge; WARN above {@link Thresholds#warnShare()}; else PASS.
 */
public final class LabelNoise extends RecipeStage<LabelNoise.Thresholds> {

    public static final String NAME = "label-noise";

    /** The splits this stage scores. */
    public static final List<String> SPLITS = SamplePredictions.SPLITS;

    /** The recipe line this stage checks. */
    public static final String RECIPE_LINE = "Become one with the data ... How noisy are the labels? (Karpathy 1)";

    /**
     * @param confidence minimum probability of a wrong prediction for it to count as "confidently wrong"; default 0.9:
     *                   a model that is 90 % sure of another class than the given one after training on the given
     *                   labels has been told otherwise by many similar samples
     * @param warnShare  share of train samples confidently wrong above which the labels are called noisy; default 0.01.
     *                   Measured (LadderTest): clean generated quadrant images score 0.000 and real MNIST t10k (a CNN,
     *                   600 steps) 0.00075 (6 of 8,000; val 0.004); with 2 % of the quadrant labels flipped, 2.19 % (35 of 1,600 train
     *                   samples, every one a planted flip): 1 % lies between clean and noisy data
     * @param failShare  share above which the labels are broken rather than noisy; default 0.10: one sample in ten is
     *                   more than curated datasets carry, more like labels misaligned with inputs (a shifted column,
     *                   an off-by-one class mapping)
     * @param gallery    samples per split in the report's gallery; default 16
     */
    public record Thresholds(double confidence, double warnShare, double failShare, int gallery) {
        public static final Thresholds DEFAULT = new Thresholds(0.9, 0.01, 0.10, 16);
    }

    /** One sample as the final model sees it. */
    public record Scored(int position, int index, int label, int predicted, double probability, double labelProbability, double loss,
                         boolean confidentlyWrong) {
    }

    /** A split's numbers; NaN where it was not measured. */
    public record SplitMeasurements(int samples, int confidentlyWrong, double accuracy, double meanLoss) {
        public double share() {
            return samples == 0 ? Double.NaN : (double) confidentlyWrong / samples;
        }

        static final SplitMeasurements NONE = new SplitMeasurements(0, 0, Double.NaN, Double.NaN);
    }

    public LabelNoise() {
        this(Thresholds.DEFAULT);
    }

    public LabelNoise(Thresholds thresholds) {
        super(NAME, RECIPE_LINE, thresholds);
    }

    /** Full-data's run when it ran in this ladder (it then asked for predictions), else a run of its own like it. */
    @Override
    public StageResult climb(StageContext ctx) {
        RunWatcher.Finished run = ctx.mainRun(FullData.NAME).orElse(null);
        if (run == null) {
            run = ctx.submitAndWait(NAME, FullData.modelSpec(ctx, NAME).withPredictions(SPLITS));
            ctx.artifacts(NAME).roles().put(run.runId(), "model");
        }
        List<String> runIds = List.of(run.runId());
        if (run.failed()) {
            return judge(runIds, SplitMeasurements.NONE, SplitMeasurements.NONE, "the model run " + run.runId() + " did not finish: "
                    + run.message(), thresholds());
        }
        List<String> names = classNames(ctx.stats());
        List<String> findings = new ArrayList<>();
        SplitMeasurements[] measured = new SplitMeasurements[2];
        for (int i = 0; i < SPLITS.size(); i++) {
            String split = SPLITS.get(i);
            Optional<SamplePredictions> p = ctx.predictions(run.runId(), split);
            if (p.isEmpty() || p.get().error() != null) {
                return judge(runIds, SplitMeasurements.NONE, SplitMeasurements.NONE, p.isEmpty()
                        ? "no per-sample " + split + " predictions of run " + run.runId() + " arrived within "
                        + StageContext.PREDICTIONS_WAIT.toSeconds() + " s after it ended: is the eval-service running?"
                        : p.get().error(), thresholds());
            }
            List<Scored> ranked = rank(p.get(), thresholds().confidence());
            measured[i] = measure(ranked);
            List<Scored> top = ranked.subList(0, Math.min(thresholds().gallery(), ranked.size()));
            ctx.artifacts(NAME).galleries().add(gallery(ctx, split, top, names));
            for (Scored s : top) {
                if (s.confidentlyWrong() && findings.size() < 2 * 10) {
                    findings.add(String.format(Locale.ROOT, "%s sample %d: given '%s', the model says '%s' (p %.3f)", split, s.index(),
                            name(names, s.label()), name(names, s.predicted()), s.probability()));
                }
            }
        }
        StageResult r = judge(runIds, measured[0], measured[1], null, thresholds());
        return new StageResult(r.name(), r.verdict(), r.evidence(), r.summary(), r.runIds(), findings);
    }

    /**
     * Every sample of the split with its loss and prediction, most surprising first: confidently wrong samples (by
     * loss), then the rest by loss; ties by position, so the order is reproducible.
     */
    public static List<Scored> rank(SamplePredictions p, double confidence) {
        List<Scored> out = new ArrayList<>(p.size());
        for (int i = 0; i < p.size(); i++) {
            float[] probs = p.probabilities()[i];
            int label = p.labels()[i];
            int best = Probabilities.argmax(probs);
            out.add(new Scored(i, p.indices()[i], label, best, probs[best], Probabilities.of(probs, label), Probabilities.loss(probs, label),
                    best != label && probs[best] >= confidence));
        }
        out.sort(Comparator.comparing((Scored s) -> !s.confidentlyWrong()).thenComparing(Comparator.comparingDouble(Scored::loss).reversed())
                .thenComparingInt(Scored::position));
        return out;
    }

    /** Accuracy, mean loss and the confidently wrong count of a ranked split. */
    public static SplitMeasurements measure(List<Scored> ranked) {
        int right = 0;
        int wrong = 0;
        double loss = 0;
        for (Scored s : ranked) {
            right += s.predicted() == s.label() ? 1 : 0;
            wrong += s.confidentlyWrong() ? 1 : 0;
            loss += s.loss();
        }
        int n = ranked.size();
        return new SplitMeasurements(n, wrong, n == 0 ? Double.NaN : (double) right / n, n == 0 ? Double.NaN : loss / n);
    }

    public static StageResult judge(List<String> runIds, SplitMeasurements train, SplitMeasurements val, String failure, Thresholds t) {
        Evidence ev = new Evidence().put("confidence", t.confidence())
                .put("train_samples", train.samples()).put("train_confidently_wrong", train.confidentlyWrong())
                .put("train_confidently_wrong_share", train.share()).put("train_accuracy", train.accuracy()).put("train_mean_loss", train.meanLoss())
                .put("val_samples", val.samples()).put("val_confidently_wrong", val.confidentlyWrong())
                .put("val_confidently_wrong_share", val.share()).put("val_accuracy", val.accuracy()).put("val_mean_loss", val.meanLoss())
                .put("warn_share", t.warnShare()).put("fail_share", t.failShare());
        if (failure != null) {
            return new StageResult(NAME, Verdict.FAIL, ev.map(), "cannot say how noisy the labels are: " + failure, runIds);
        }
        String counts = String.format(Locale.ROOT, "%d of %d train samples (%.2f %%) and %d of %d val samples (%.2f %%) are confidently "
                        + "wrong (another class with p >= %.2f)", train.confidentlyWrong(), train.samples(), 100 * train.share(),
                val.confidentlyWrong(), val.samples(), 100 * val.share(), t.confidence());
        if (!(train.share() <= t.failShare())) {
            return new StageResult(NAME, Verdict.FAIL, ev.map(), counts + String.format(Locale.ROOT, ": above %.0f %%, the labels look broken "
                    + "rather than noisy (a shifted label column? an off-by-one class mapping?); see the gallery", 100 * t.failShare()), runIds);
        }
        if (train.share() > t.warnShare()) {
            return new StageResult(NAME, Verdict.WARN, ev.map(), counts + String.format(Locale.ROOT, ": above %.0f %%, the labels are noisy; "
                    + "the gallery lists the likely mislabelled samples first", 100 * t.warnShare()), runIds);
        }
        return new StageResult(NAME, Verdict.PASS, ev.map(), counts + "; the gallery shows the most surprising samples", runIds);
    }

    private Gallery gallery(StageContext ctx, String split, List<Scored> top, List<String> names) {
        int[] indices = top.stream().mapToInt(Scored::index).toArray();
        Batch b = null;
        if (indices.length > 0) {
            try {
                b = ctx.data().samples(ctx.options().dataset(), indices);
            } catch (GatewayClient.GatewayException e) {
                // A gallery without pictures still names every sample: the report says so rather than failing.
                b = null;
            }
        }
        List<Gallery.Sample> rows = new ArrayList<>();
        float[] features = b == null || b.dtype() == DType.UINT8 ? null : b.features();
        for (int i = 0; i < top.size(); i++) {
            Scored s = top.get(i);
            byte[] pixels = null;
            float[] values = null;
            int[] shape = b == null ? null : b.sampleShape();
            if (b != null) {
                int n = b.sampleSize();
                if (b.dtype() == DType.UINT8) {
                    pixels = java.util.Arrays.copyOfRange(b.data(), i * n, (i + 1) * n);
                } else {
                    values = java.util.Arrays.copyOfRange(features, i * n, (i + 1) * n);
                }
            }
            rows.add(new Gallery.Sample(split, s.index(), s.label(), s.predicted(), s.probability(), s.labelProbability(), s.loss(),
                    s.confidentlyWrong(), shape, pixels, values));
        }
        List<String> featureNames = new ArrayList<>();
        ctx.stats().path("features").forEach(f -> featureNames.add(f.path("name").asText()));
        return new Gallery(split + ": the " + top.size() + " most surprising samples (highest loss, confidently wrong first)", names,
                featureNames.isEmpty() ? null : featureNames, rows);
    }

    static List<String> classNames(JsonNode stats) {
        List<String> names = new ArrayList<>();
        stats.path("classNames").forEach(n -> names.add(n.asText()));
        return names;
    }

    static String name(List<String> names, int c) {
        return c >= 0 && c < names.size() ? names.get(c) : String.valueOf(c);
    }
}
