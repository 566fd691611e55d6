package dev.preflight.ladder;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.DataCheck;
import dev.preflight.recipe.FullData;
import dev.preflight.recipe.InitCheck;
import dev.preflight.recipe.OverfitFewSamples;
import dev.preflight.recipe.OverfitOneSample;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.SpeedCheck;
import dev.preflight.recipe.StageResult;
import dev.preflight.recipe.Verdict;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Climbs the recipe's ladder for one experiment: each stage submits its run(s) through the gateway, waits for the
 * exact history, and judges it with the stage's class. A FAIL stops the ladder: later stages would only repeat the
 * failure at a higher price.
 */
public final class Ladder {

    /** Validation is noisy (a fresh random batch each time): judge on the mean of this many val points. */
    static final int SMOOTHING = 5;

    private final GatewayClient gateway;
    private final DataClient data;
    private final RunWatcher watcher;
    private final LadderOptions o;
    private final BiConsumer<String, RunWatcher.Progress> progress;
    private final Consumer<StageResult> done;

    /** Facts gathered on the way that later stages need. */
    private int numClasses;
    private double majorityShare = Double.NaN;
    private RunWatcher.Finished fullDataRun;
    /** Per stage, what report.html plots. */
    private final Map<String, StageArtifacts> artifacts = new LinkedHashMap<>();

    public Ladder(GatewayClient gateway, DataClient data, LadderOptions options, BiConsumer<String, RunWatcher.Progress> progress,
                  Consumer<StageResult> done) {
        this.gateway = gateway;
        this.data = data;
        this.watcher = new RunWatcher(gateway);
        this.o = options;
        this.progress = progress;
        this.done = done;
    }

    public Report run() {
        List<StageResult> results = new ArrayList<>();
        for (String stage : LadderOptions.STAGES) {
            if (!o.wants(stage)) {
                continue;
            }
            StageResult r = switch (stage) {
                case DataCheck.NAME -> dataCheck();
                case InitCheck.NAME -> initCheck();
                case OverfitOneSample.NAME -> overfitOne();
                case OverfitFewSamples.NAME -> overfitFew();
                case FullData.NAME -> fullData();
                case SpeedCheck.NAME -> speed();
                case Ablations.NAME -> ablations();
                default -> throw new IllegalArgumentException("unknown stage " + stage);
            };
            results.add(r);
            done.accept(r);
            if (r.verdict() == Verdict.FAIL) {
                break;
            }
        }
        return new Report(o.dataset(), o.model().type(), List.copyOf(results), System.currentTimeMillis());
    }

    /** The plain data of the overfit stages: no balancing, no augmentation. */
    private DataConfig data(int subset, int batch) {
        return new DataConfig(o.seed(), subset, batch, o.valFraction()).withFaults(o.faults());
    }

    /** The data of init-check and later stages: the experiment's balancing, and its augmentation when {@code augment}. */
    private DataConfig trainingData(int batch, boolean augment) {
        return new DataConfig(o.seed(), 0, batch, o.valFraction(), null, augment ? o.augment() : null, o.balance())
                .withFaults(o.faults());
    }

    private RunWatcher.Finished submitAndWait(String stage, RunSpec spec) {
        String runId = gateway.submit(spec);
        RunWatcher.Finished run = watcher.await(runId, spec.steps(), o.runTimeout(), p -> progress.accept(stage, p));
        keep(stage, run);
        return run;
    }

    private void keep(String stage, RunWatcher.Finished run) {
        artifacts.computeIfAbsent(stage, s -> new StageArtifacts(new ArrayList<>(), new LinkedHashMap<>())).runs().add(run);
    }

    /**
     * The trial's data config: when the search space varies "augment", the trial's augmentation (none included)
     * replaces the experiment's; otherwise the experiment's stays. Train only: the val path cannot take one.
     */
    private static DataConfig augmented(DataConfig d, Ablations.Trial t) {
        return !t.values().containsKey("augment") ? d : new DataConfig(d.seed(), d.subsetSize(), d.batchSize(), d.valFraction(),
                d.subsetFraction(), t.augment(), d.balance(), d.faults());
    }

    /** The charts and images of every stage that ran, for report.html. */
    public Map<String, StageArtifacts> artifacts() {
        return artifacts;
    }

    private RunSpec spec(String stage, DataConfig d, ModelConfig m, int steps) {
        return new RunSpec(o.dataset(), d, m, steps, 1, null, o.experiment(), stage);
    }

    /** The dataset's stats, fetched once: data-check judges them, later stages take class count and majority share. */
    private JsonNode stats() {
        if (stats == null) {
            stats = data.stats(o.dataset(), o.seed(), o.valFraction());
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

    private JsonNode stats;

    StageResult dataCheck() {
        JsonNode s = stats();
        // "Become one with the data": a labelled grid of samples goes into the report with the verdict.
        StageArtifacts a = new StageArtifacts(new ArrayList<>(), new LinkedHashMap<>(), s);
        artifacts.put(DataCheck.NAME, a);
        byte[] grid = data.datasetPreview(o.dataset());
        if (grid != null) {
            a.previews().put("samples of " + o.dataset(), grid);
        }
        return DataCheck.judge(o.dataset(), DataCheck.Stats.of(s), o.dataCheck());
    }

    StageResult initCheck() {
        RunWatcher.Finished run = submitAndWait(InitCheck.NAME, spec(InitCheck.NAME, trainingData(o.batchSize(), false), o.model(), 1));
        List<TrainStep> train = run.history().train();
        double initial = train.isEmpty() ? Double.NaN : train.get(0).loss();
        double zero = run.history().val().stream().filter(v -> v.step() == 0 && v.zeroInputLoss() != null)
                .mapToDouble(ValStep::zeroInputLoss).findFirst().orElse(Double.NaN);
        double entropy = train.isEmpty() || train.get(0).predictionEntropy() == null ? Double.NaN : train.get(0).predictionEntropy();
        return InitCheck.judge(run.runId(), initial, classes(), zero, entropy, o.initCheck());
    }

    StageResult overfitOne() {
        RunSpec spec = OverfitOneSample.runSpec(o.dataset(), data(1, 1), o.model(), o.overfitOne(), o.experiment());
        RunWatcher.Finished run = submitAndWait(OverfitOneSample.NAME, spec);
        return OverfitOneSample.judge(run.runId(), run.history().trainLosses(), run.lastValLoss(), run.failed() ? run.message() : null,
                o.overfitOne());
    }

    StageResult overfitFew() {
        int n = o.overfitFew().samples();
        RunWatcher.Finished run = submitAndWait(OverfitFewSamples.NAME, spec(OverfitFewSamples.NAME, data(n, n), o.model(), o.overfitFew().steps()));
        double[] val = run.history().val().stream().filter(v -> v.step() > 0).mapToDouble(ValStep::valLoss).toArray();
        return OverfitFewSamples.judge(run.runId(), run.history().trainLosses(), val, run.failed() ? run.message() : null, o.overfitFew());
    }

    /** The model on all data, next to logistic regression on the same data (a linear model: no hidden layer). */
    StageResult fullData() {
        RunSpec main = spec(FullData.NAME, trainingData(o.batchSize(), true), o.model(), o.fullDataSteps());
        ModelConfig linear = new ModelConfig("mlp", o.seed(), 1e-3, List.of());
        RunSpec logistic = spec(FullData.NAME, trainingData(o.batchSize(), true), linear, o.fullDataSteps());
        String mainId = gateway.submit(main);
        String logisticId = gateway.submit(logistic);
        fullDataRun = watcher.await(mainId, main.steps(), o.runTimeout(), p -> progress.accept(FullData.NAME, p));
        RunWatcher.Finished baseline = watcher.await(logisticId, logistic.steps(), o.runTimeout(), p -> progress.accept("logistic-baseline", p));
        keep(FullData.NAME, fullDataRun);
        keep(FullData.NAME, baseline);
        // "Visualize just before the net": what the trainer received (train) and what validation saw (val).
        for (String split : List.of("train", "val")) {
            byte[] png = data.runPreview(mainId, split);
            if (png != null) {
                artifacts.get(FullData.NAME).previews().put(split + " batch as the network sees it", png);
            }
        }
        List<ValStep> val = trained(fullDataRun.history().val());
        ValStep zeroAtEnd = fullDataRun.history().val().stream().filter(v -> v.step() == fullDataRun.lastStep() && v.zeroInputLoss() != null)
                .findFirst().orElse(null);
        FullData.Measurements m = new FullData.Measurements(
                mean(val.subList(0, Math.min(SMOOTHING, val.size())), true),
                mean(tail(val), true), mean(tail(val), false),
                zeroAtEnd == null ? Double.NaN : zeroAtEnd.zeroInputLoss(),
                zeroAtEnd == null || zeroAtEnd.zeroInputAccuracy() == null ? Double.NaN : zeroAtEnd.zeroInputAccuracy(),
                majority(), mean(tail(trained(baseline.history().val())), false), classes());
        String failure = fullDataRun.failed() ? fullDataRun.message() : null;
        return FullData.judge(List.of(mainId, logisticId), m, failure, o.fullData());
    }

    StageResult speed() {
        RunWatcher.Finished run = fullDataRun != null ? fullDataRun
                : submitAndWait(SpeedCheck.NAME, spec(SpeedCheck.NAME, trainingData(o.batchSize(), true), o.model(), 100));
        if (run == fullDataRun) {
            keep(SpeedCheck.NAME, run);
        }
        List<TrainStep> train = run.history().train();
        double coverage = train.isEmpty() ? Double.NaN : (double) trained(run.history().val()).size() / train.size();
        return SpeedCheck.judge(run.runId(), train.stream().mapToDouble(TrainStep::stepSeconds).toArray(),
                train.stream().mapToDouble(TrainStep::dataWaitSeconds).toArray(), o.batchSize(), Math.min(10, train.size() / 10),
                coverage, o.speed());
    }

    /** Random search in parallel on the trainers, ASHA and sanity kills, then seed bands for the best configurations. */
    StageResult ablations() {
        Ablations.Space space = o.ablations() != null ? o.ablations() : LadderOptions.defaultSpace();
        List<Ablations.Trial> trials = Ablations.sample(space, o.model(), o.seed());
        Map<String, Ablations.Trial> byRun = new LinkedHashMap<>();
        for (Ablations.Trial t : trials) {
            byRun.put(gateway.submit(spec(Ablations.NAME, augmented(trainingData(o.batchSize(), true), t), t.model(), space.steps())), t);
        }
        Map<Integer, Map<String, Double>> rungs = new java.util.TreeMap<>();
        space.rungs().forEach(r -> rungs.put(r, new LinkedHashMap<>()));
        Map<Ablations.Trial, String> killed = new LinkedHashMap<>();
        java.util.Set<String> sane = new java.util.HashSet<>();
        java.util.Set<String> active = new java.util.LinkedHashSet<>(byRun.keySet());
        long deadline = System.nanoTime() + o.runTimeout().toNanos() * Math.max(1, trials.size());
        while (!active.isEmpty() && System.nanoTime() < deadline) {
            for (String runId : List.copyOf(active)) {
                JsonNode detail = gateway.run(runId);
                String state = detail.path("state").asText();
                int step = detail.path("step").asInt(0);
                progress.accept(Ablations.NAME + " #" + byRun.get(runId).index(), new RunWatcher.Progress(runId, state,
                        step, space.steps(), detail.path("trainLoss").asDouble(Double.NaN), detail.path("valLoss").asDouble(Double.NaN)));
                if (!"SUBMITTED".equals(state) && !"RUNNING".equals(state)) {
                    active.remove(runId);
                    continue;
                }
                String reason = null;
                if (step >= space.warmup() && sane.add(runId)) {
                    reason = Ablations.sanityKill(gateway.history(runId).trainLosses(), space.warmup());
                }
                for (Map.Entry<Integer, Map<String, Double>> rung : rungs.entrySet()) {
                    if (reason == null && step >= rung.getKey() && !rung.getValue().containsKey(runId)) {
                        int r = rung.getKey();
                        List<ValStep> upTo = trained(gateway.history(runId).val()).stream().filter(v -> v.step() <= r).toList();
                        rung.getValue().put(runId, mean(tail(upTo), true));
                        reason = Ablations.ashaKill(runId, r, rung.getValue(), space.eta());
                    }
                }
                if (reason != null && gateway.kill(runId, reason)) {
                    killed.put(byRun.get(runId), reason);
                    active.remove(runId);
                }
            }
            pause();
        }
        List<String> runIds = new ArrayList<>(byRun.keySet());
        List<Ablations.Trial> completed = new ArrayList<>();
        Map<Ablations.Trial, Double> finalLoss = new LinkedHashMap<>();
        for (Map.Entry<String, Ablations.Trial> e : byRun.entrySet()) {
            if (killed.containsKey(e.getValue())) {
                continue;
            }
            RunWatcher.Finished run = watcher.await(e.getKey(), space.steps(), o.runTimeout(), p -> { });
            keep(Ablations.NAME, run);
            if (!run.failed()) {
                completed.add(e.getValue());
                finalLoss.put(e.getValue(), mean(tail(trained(run.history().val())), true));
            }
        }
        List<Ablations.Trial> best = completed.stream().sorted(java.util.Comparator.comparingDouble(finalLoss::get)).limit(space.top()).toList();
        // K seeds of each best configuration: new init and data-order seeds, everything else the same.
        Map<Ablations.Trial, List<String>> seedRuns = new LinkedHashMap<>();
        for (Ablations.Trial t : best) {
            for (int s = 1; s <= space.seeds(); s++) {
                long seed = o.seed() + 1000L * s;
                ModelConfig m = new ModelConfig(t.model().type(), seed, t.model().learningRate(), t.model().hiddenUnits(), t.model().channels(),
                        t.model().blocks(), t.model().optimizer(), t.model().momentum(), t.model().dropout(), t.model().batchNorm(),
                        t.model().weightDecay(), t.model().lrSchedule(), t.model().lrStepEvery(), t.model().lrStepGamma(),
                        t.model().biasInit(), t.model().loss(), t.model().initScale(), t.model().dropInputs());
                String id = gateway.submit(new RunSpec(o.dataset(), augmented(new DataConfig(seed, 0, o.batchSize(), o.valFraction(), null,
                        o.augment(), o.balance()).withFaults(o.faults()), t), m,
                        space.steps(), 1, null, o.experiment(), Ablations.NAME));
                seedRuns.computeIfAbsent(t, k -> new ArrayList<>()).add(id);
                runIds.add(id);
            }
        }
        List<Ablations.SeedBand> bands = new ArrayList<>();
        for (Map.Entry<Ablations.Trial, List<String>> e : seedRuns.entrySet()) {
            double[] losses = new double[e.getValue().size()];
            double[] accuracies = new double[e.getValue().size()];
            for (int i = 0; i < losses.length; i++) {
                RunWatcher.Finished run = watcher.await(e.getValue().get(i), space.steps(), o.runTimeout(),
                        p -> progress.accept(Ablations.NAME + " seeds #" + e.getKey().index(), p));
                List<ValStep> val = tail(trained(run.history().val()));
                losses[i] = mean(val, true);
                accuracies[i] = mean(val, false);
            }
            bands.add(new Ablations.SeedBand(e.getKey(), e.getValue(), losses, accuracies));
        }
        lastBands = bands;
        lastKilled = killed;
        return Ablations.judge(trials, completed, killed, bands, runIds);
    }

    private List<Ablations.SeedBand> lastBands = List.of();
    private Map<Ablations.Trial, String> lastKilled = Map.of();

    /** The ablation leaderboard of the last ablation stage (best first), for report.html. */
    public List<Ablations.SeedBand> leaderboard() {
        return lastBands.stream().sorted(java.util.Comparator.comparingDouble(Ablations.SeedBand::meanLoss)).toList();
    }

    public Map<Ablations.Trial, String> killedTrials() {
        return lastKilled;
    }

    private static void pause() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private double majority() {
        stats();
        return majorityShare;
    }

    private int classes() {
        stats();
        return numClasses;
    }

    /** Val points of trained weights (step 0 is the initial weights' baseline). */
    private static List<ValStep> trained(List<ValStep> val) {
        return val.stream().filter(v -> v.step() > 0).toList();
    }

    private static List<ValStep> tail(List<ValStep> val) {
        return val.subList(Math.max(0, val.size() - SMOOTHING), val.size());
    }

    private static double mean(List<ValStep> val, boolean loss) {
        return val.stream().mapToDouble(v -> loss ? v.valLoss() : v.valAccuracy()).average().orElse(Double.NaN);
    }
}
