package dev.preflight.ladder;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.ValStep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * What a stage climbs with: the experiment's options, the runs (submit, follow, history, kill), the data-service, the
 * dataset's stats (fetched once, shared by every stage), and the place where each stage leaves its report artifacts.
 * One context per ladder climb; stages run one after another, so it is not thread-safe.
 */
public final class StageContext {

    /** Validation is noisy (a fresh random batch each time): stages judge on the mean of this many val points. */
    public static final int SMOOTHING = 5;

    private final Runs runs;
    private final DataClient data;
    private final LadderOptions options;
    private final RunWatcher watcher;
    private final BiConsumer<String, RunWatcher.Progress> progress;
    private final Map<String, StageArtifacts> artifacts = new LinkedHashMap<>();
    private JsonNode stats;
    private int numClasses;
    private double majorityShare = Double.NaN;
    private Leaderboard leaderboard = new Leaderboard(List.of(), Map.of());
    /** The verdicts of the stages climbed so far in this ladder, by stage name. */
    private final Map<String, dev.preflight.recipe.StageResult> results = new LinkedHashMap<>();

    public StageContext(Runs runs, DataClient data, LadderOptions options, BiConsumer<String, RunWatcher.Progress> progress) {
        this.runs = runs;
        this.data = data;
        this.options = options;
        this.watcher = new RunWatcher(runs);
        this.progress = progress;
    }

    public LadderOptions options() {
        return options;
    }

    public Runs runs() {
        return runs;
    }

    public DataClient data() {
        return data;
    }

    /** The data-service's stats of the dataset under the experiment's split, fetched once. */
    public JsonNode stats() {
        if (stats == null) {
            stats = data.stats(options.dataset(), options.seed(), options.valFraction());
            numClasses = stats.path("numClasses").asInt();
            int total = 0;
            int max = 0;
            for (JsonNode c : stats.path("classHistogram")) {
                total += c.asInt();
                max = Math.max(max, c.asInt());
            }
            // A stratified split keeps class shares, so the majority class's share of all samples is its val accuracy.
            majorityShare = total == 0 ? Double.NaN : (double) max / total;
        }
        return stats;
    }

    /** Number of classes (outputs of a regression model). */
    public int classes() {
        stats();
        return numClasses;
    }

    /** Val accuracy of always predicting the most frequent class. */
    public double majorityShare() {
        stats();
        return majorityShare;
    }

    /** The plain data of the overfit stages: no balancing, no augmentation. */
    public DataConfig plainData(int subset, int batch) {
        return new DataConfig(options.seed(), subset, batch, options.valFraction()).withFaults(options.faults());
    }

    /** The data of init-check and later stages: the experiment's balancing, and its augmentation when {@code augment}. */
    public DataConfig trainingData(int batch, boolean augment) {
        return trainingData(options.seed(), batch, augment);
    }

    /** Like {@link #trainingData(int, boolean)} with another data seed (seed bands of ablations). */
    public DataConfig trainingData(long seed, int batch, boolean augment) {
        return new DataConfig(seed, 0, batch, options.valFraction(), null, augment ? options.augment() : null, options.balance())
                .withFaults(options.faults());
    }

    /** A run of {@code stage} in this experiment. */
    public RunSpec spec(String stage, DataConfig d, ModelConfig m, int steps) {
        return new RunSpec(options.dataset(), d, m, steps, 1, null, options.experiment(), stage);
    }

    public String submit(RunSpec spec) {
        return runs.submit(spec);
    }

    /** Follows a run to its end, reporting progress under {@code label}, and returns it with its exact history. */
    public RunWatcher.Finished await(String runId, int steps, String label) {
        return watcher.await(runId, steps, options.runTimeout(), p -> progress.accept(label, p));
    }

    /** Submits, follows to the end and keeps the run in {@code stage}'s artifacts. */
    public RunWatcher.Finished submitAndWait(String stage, RunSpec spec) {
        RunWatcher.Finished run = await(submit(spec), spec.steps(), stage);
        keep(stage, run);
        return run;
    }

    /**
     * How long after a run ended its per-sample predictions may take to arrive: the eval-service computes them after the
     * run's last validation, one forward pass over each split (seconds for tens of thousands of small samples).
     */
    public static final java.time.Duration PREDICTIONS_WAIT = java.time.Duration.ofMinutes(3);

    /**
     * The per-sample predictions of a finished run's final weights over {@code split} (the run's spec must have asked
     * for them), waiting up to {@link #PREDICTIONS_WAIT}; empty when they did not come. A record with an error is
     * returned as it is: the caller reports its reason.
     */
    public Optional<dev.preflight.wire.SamplePredictions> predictions(String runId, String split) {
        long deadline = System.nanoTime() + PREDICTIONS_WAIT.toNanos();
        while (true) {
            Optional<dev.preflight.wire.SamplePredictions> p = runs.predictions(runId, split);
            if (p.isPresent() || System.nanoTime() > deadline) {
                return p;
            }
            RunWatcher.pause(java.time.Duration.ofMillis(250));
        }
    }

    /** Progress of a run that is followed by hand (ablation trials). */
    public void progress(String label, RunWatcher.Progress p) {
        progress.accept(label, p);
    }

    /** What report.html shows for {@code stage}; created empty on first use. */
    public StageArtifacts artifacts(String stage) {
        return artifacts.computeIfAbsent(stage, s -> new StageArtifacts(new ArrayList<>(), new LinkedHashMap<>()));
    }

    /** Sets {@code stage}'s artifacts with the dataset's stats (data-check). */
    public StageArtifacts artifactsWithStats(String stage, JsonNode dataStats) {
        StageArtifacts a = new StageArtifacts(new ArrayList<>(), new LinkedHashMap<>(), dataStats);
        artifacts.put(stage, a);
        return a;
    }

    public void keep(String stage, RunWatcher.Finished run) {
        artifacts(stage).runs().add(run);
    }

    /** Keeps the run with what it is within the stage ({@code role}: the report's legends name it). */
    public void keep(String stage, RunWatcher.Finished run, String role) {
        keep(stage, run);
        artifacts(stage).roles().put(run.runId(), role);
    }

    /** The first run {@code stage} kept (its main run), if that stage ran. */
    public Optional<RunWatcher.Finished> mainRun(String stage) {
        StageArtifacts a = artifacts.get(stage);
        return a == null || a.runs().isEmpty() ? Optional.empty() : Optional.of(a.runs().get(0));
    }

    /** Every stage's artifacts, in the order the stages ran. */
    public Map<String, StageArtifacts> allArtifacts() {
        return artifacts;
    }

    /** Records a stage's verdict (the ladder does, after each stage), for the stages that build on it. */
    public void record(dev.preflight.recipe.StageResult result) {
        results.put(result.name(), result);
    }

    /** The verdict of {@code stage} in this ladder, if it was climbed before the stage asking. */
    public Optional<dev.preflight.recipe.StageResult> result(String stage) {
        return Optional.ofNullable(results.get(stage));
    }

    public void leaderboard(Leaderboard l) {
        this.leaderboard = l;
    }

    public Leaderboard leaderboard() {
        return leaderboard;
    }

    /** Val points of trained weights (step 0 is the initial weights' baseline). */
    public static List<ValStep> trained(List<ValStep> val) {
        return val.stream().filter(v -> v.step() > 0).toList();
    }

    /**
     * The first and the last val points of trained weights, as two disjoint windows of up to {@link #SMOOTHING} points
     * each: half the points each when a run was validated fewer than 2 x SMOOTHING times (a short run, or an eval-service
     * that skipped steps under load). Overlapping windows would hide a fall: with 5 points, "first 5" and "last 5" are
     * the same set. With a single trained point, {@code first} is the initial weights' point (step 0), if validated.
     */
    public static Ends ends(List<ValStep> val) {
        List<ValStep> trained = trained(val);
        int k = Math.min(SMOOTHING, trained.size() / 2);
        if (k == 0) {
            return new Ends(val.stream().filter(v -> v.step() == 0).toList(), trained);
        }
        return new Ends(trained.subList(0, k), trained.subList(trained.size() - k, trained.size()));
    }

    /** See {@link #ends}. */
    public record Ends(List<ValStep> first, List<ValStep> last) {
    }

    /** The last {@link #SMOOTHING} val points. */
    public static List<ValStep> tail(List<ValStep> val) {
        return val.subList(Math.max(0, val.size() - SMOOTHING), val.size());
    }

    /** Mean val loss ({@code loss}) or accuracy of {@code val}; NaN when empty. */
    public static double mean(List<ValStep> val, boolean loss) {
        return val.stream().mapToDouble(v -> loss ? v.valLoss() : v.valAccuracy()).average().orElse(Double.NaN);
    }
}
