package dev.preflight.recipe;

import dev.preflight.ladder.StageContext;
import dev.preflight.wire.SamplePredictions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Recipe stage "ensembles" (Karpathy 6: "ensembles. A pretty much guaranteed 2% accuracy gain"). After ablations, the
 * predicted probabilities of the top-K ablation trials (ranked by their loss on the whole val split) are averaged per
 * val sample, and the ensemble's accuracy and loss over the whole val split are set beside the best single trial's.
 * The trials ran on the experiment's split, so every member scored the very same val samples.
 *
 * <p>FAIL when the members' per-sample predictions cannot be had (not one trial finished with them, or ablations did
 * not climb first); WARN when the ensemble does not help: fewer than two members, or its accuracy below the best
 * trial's plus {@link Thresholds#minAccuracyGain()} and its loss not below the best trial's. At the ceiling (the best
 * trial already classifies every val sample right) accuracy cannot show a gain: PASS when the ensemble's val loss is
 * not above the best trial's, else WARN (the others only make the predictions less sure).
 */
public final class Ensemble extends RecipeStage<Ensemble.Thresholds> {

    public static final String NAME = "ensemble";

    /** The recipe line this stage checks. */
    public static final String RECIPE_LINE = "ensembles. A pretty much guaranteed 2% accuracy gain (Karpathy 6)";

    /** Trials averaged by default (CLI {@code --ensemble-top}, the gateway's experiment field {@code ensembleTop}). */
    public static final int DEFAULT_TOP_K = 3;
    /** Fewest trials an ensemble can average: one trial alone is not an ensemble. */
    public static final int MIN_TOP_K = 2;

    /**
     * @param topK            trials averaged, at least {@value #MIN_TOP_K} (fewer finished trials: all of them);
     *                        default {@value #DEFAULT_TOP_K}
     * @param minAccuracyGain accuracy gain over the best trial that counts as helping by itself; default 0.0: the
     *                        recipe's "2 %" is what to expect, not a bar (small or easy val sets leave less to gain), so
     *                        any gain helps, and so does a lower loss at the same accuracy
     * @throws IllegalArgumentException when {@code topK} is below {@value #MIN_TOP_K}, the message naming the allowed range
     */
    public record Thresholds(int topK, double minAccuracyGain) {
        public static final Thresholds DEFAULT = new Thresholds(DEFAULT_TOP_K, 0.0);

        public Thresholds {
            if (topK < MIN_TOP_K) {
                throw new IllegalArgumentException("an ensemble needs topK >= " + MIN_TOP_K + ", was " + topK);
            }
        }
    }

    /** Whole-val-split numbers of one model or of the ensemble. */
    public record Score(String runId, double accuracy, double loss) {
    }

    public Ensemble() {
        this(Thresholds.DEFAULT);
    }

    public Ensemble(Thresholds thresholds) {
        super(NAME, RECIPE_LINE, thresholds);
    }

    /**
     * The stage averaging the top {@code topK} trials, the other thresholds at their defaults: what the CLI's
     * {@code --ensemble-top} and the gateway's {@code ensembleTop} set.
     *
     * @throws IllegalArgumentException when {@code topK} is below {@value #MIN_TOP_K}
     */
    public static Ensemble ofTopK(int topK) {
        return new Ensemble(new Thresholds(topK, Thresholds.DEFAULT.minAccuracyGain()));
    }

    @Override
    public StageResult climb(StageContext ctx) {
        List<String> trials = ctx.leaderboard().completedTrialRuns();
        if (trials.isEmpty()) {
            return judge(List.of(), List.of(), null, "no ablation trial ran to the end in this ladder: climb " + Ablations.NAME
                    + " before " + NAME, thresholds());
        }
        List<SamplePredictions> members = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String runId : trials) {
            Optional<SamplePredictions> p = ctx.predictions(runId, "val");
            if (p.isPresent() && p.get().error() == null) {
                members.add(p.get());
            } else {
                missing.add(runId + (p.isPresent() ? " (" + p.get().error() + ")" : " (none arrived)"));
            }
        }
        if (members.isEmpty()) {
            return judge(trials, List.of(), null, "no trial's val predictions could be had: " + String.join("; ", missing), thresholds());
        }
        List<Score> singles = members.stream().map(Ensemble::score).sorted(Comparator.comparingDouble(Score::loss)).toList();
        List<SamplePredictions> top = singles.subList(0, Math.min(thresholds().topK(), singles.size())).stream()
                .map(s -> members.stream().filter(m -> m.runId().equals(s.runId())).findFirst().orElseThrow()).toList();
        Score ensemble = top.size() < 2 ? null : score(average(top));
        return judge(trials, singles, ensemble, null, thresholds());
    }

    /** Whole-split accuracy and mean cross-entropy −ln p(label) of one set of predictions. */
    public static Score score(SamplePredictions p) {
        int right = 0;
        double loss = 0;
        for (int i = 0; i < p.size(); i++) {
            float[] probs = p.probabilities()[i];
            int label = p.labels()[i];
            right += Probabilities.argmax(probs) == label ? 1 : 0;
            loss += Probabilities.loss(probs, label);
        }
        return new Score(p.runId(), p.size() == 0 ? Double.NaN : (double) right / p.size(), p.size() == 0 ? Double.NaN : loss / p.size());
    }

    /**
     * The members' probabilities averaged per sample (run id "ensemble").
     *
     * @throws IllegalArgumentException when the members did not score the same samples in the same order (another split)
     */
    public static SamplePredictions average(List<SamplePredictions> members) {
        SamplePredictions first = members.get(0);
        float[][] sum = new float[first.size()][];
        for (SamplePredictions m : members) {
            if (!Arrays.equals(m.indices(), first.indices())) {
                throw new IllegalArgumentException("run " + m.runId() + " scored other val samples than " + first.runId() + ": another split");
            }
            for (int i = 0; i < sum.length; i++) {
                float[] row = m.probabilities()[i];
                if (sum[i] == null) {
                    sum[i] = new float[row.length];
                }
                for (int c = 0; c < row.length; c++) {
                    sum[i][c] += row[c] / members.size();
                }
            }
        }
        return SamplePredictions.of("ensemble", first.step(), first.split(), first.total(), 0, first.indices(), first.labels(), sum);
    }

    /**
     * @param singles  every trial with val predictions, best (lowest whole-val loss) first
     * @param ensemble the average of the top-K of them; null with fewer than two
     * @param failure  why nothing could be judged, or null
     */
    public static StageResult judge(List<String> runIds, List<Score> singles, Score ensemble, String failure, Thresholds t) {
        Evidence ev = new Evidence().put("top_k", t.topK()).put("trials_with_predictions", singles.size());
        if (failure != null) {
            return new StageResult(NAME, Verdict.FAIL, ev.map(), "no ensemble: " + failure, runIds);
        }
        Score best = singles.get(0);
        ev.put("members", ensemble == null ? 1 : Math.min(t.topK(), singles.size()))
                .put("best_single_val_accuracy", best.accuracy()).put("best_single_val_loss", best.loss());
        if (ensemble == null) {
            return new StageResult(NAME, Verdict.WARN, ev.map(), "only one trial (" + best.runId() + ") finished with val predictions: "
                    + "nothing to ensemble (more trials, or fewer killed, give the ensemble its members)", runIds);
        }
        double gain = ensemble.accuracy() - best.accuracy();
        ev.put("ensemble_val_accuracy", ensemble.accuracy()).put("ensemble_val_loss", ensemble.loss())
                .put("accuracy_gain", gain).put("loss_change", ensemble.loss() - best.loss());
        String numbers = String.format(Locale.ROOT, "the top %d trials averaged: val accuracy %.4f vs the best trial's %.4f (%+.2f points), "
                        + "val loss %.4f vs %.4f", Math.min(t.topK(), singles.size()), ensemble.accuracy(), best.accuracy(), 100 * gain,
                ensemble.loss(), best.loss());
        boolean ceiling = best.accuracy() >= 1.0 && ensemble.accuracy() >= 1.0;
        boolean helps = gain > t.minAccuracyGain() || (gain >= t.minAccuracyGain() && ensemble.loss() < best.loss());
        if (ceiling && ensemble.loss() <= best.loss()) {
            return new StageResult(NAME, Verdict.PASS, ev.map(), numbers + ": the best trial already classifies every val sample right; "
                    + "averaging makes the predictions no less sure", runIds);
        }
        if (ceiling) {
            // No accuracy to gain, and a higher loss says the averaged-in trials are far less sure than the best: the
            // ensemble costs K times the inference for predictions worse calibrated than the best trial's alone.
            return new StageResult(NAME, Verdict.WARN, ev.map(), numbers + ": the ensemble does not help: the best trial already "
                    + "classifies every val sample right and averaging in the others raised the val loss (keep the best trial)", runIds);
        }
        if (!helps) {
            return new StageResult(NAME, Verdict.WARN, ev.map(), numbers + ": the ensemble does not help (members too alike, or the "
                    + "others much worse than the best)", runIds);
        }
        return new StageResult(NAME, Verdict.PASS, ev.map(), numbers, runIds);
    }
}
