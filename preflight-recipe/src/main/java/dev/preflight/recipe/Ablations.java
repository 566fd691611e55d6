package dev.preflight.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.ladder.LadderOptions;
import dev.preflight.ladder.Leaderboard;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.Runs;
import dev.preflight.ladder.StageContext;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.Augmentation;
import dev.preflight.wire.Json;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.ValStep;
import dev.preflight.wire.WireFormatException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Recipe stage "ablations" (Niessner 10/n: "Run many ablations at the same time: already after a few iterations / few
 * minutes of training, loss curves and metrics tell you whether an experiment has promise or not. Kill experiments
 * that don't show promise"; Karpathy: "random over grid search").
 *
 * <p>Random search over a declared space; trials run in parallel on the trainer replicas; asynchronous successive
 * halving (ASHA) kills a trial at a rung when it is not in the top 1/eta of the trials that reached that rung; sanity
 * kills stop a trial whose loss is still above its initial value after warm-up. The best configurations are then run
 * with K seeds: a difference smaller than the seed noise is reported as noise.
 */
public final class Ablations extends RecipeStage<Ablations.Space> {

    public static final String NAME = "ablations";

    /**
     * The search-space file.
     *
     * @param trials     random configurations to try; default 6
     * @param steps      steps of a trial that is never killed; default 300
     * @param rungs      steps at which ASHA compares trials; default [steps/6, steps/2]
     * @param eta        keep the top 1/eta at each rung; default 2
     * @param warmup     steps after which a loss still above its initial value kills the trial; default steps/6
     * @param top        best configurations re-run with several seeds; default 2
     * @param seeds      seeds per best configuration; default 3
     * @param parameters name -> {"choice": [..]} | {"uniform": [lo, hi]} | {"logUniform": [lo, hi]}; names are ModelConfig
     *                   fields: learningRate, hiddenUnits, channels, dropout, weightDecay, batchNorm, optimizer, momentum;
     *                   "augment" (the data's train-only augmentation): true = {@link #DEFAULT_AUGMENTATION}, false =
     *                   none, or an augmentation object, e.g. {"choice": [false, {"translatePixels": 3}]}; and for an
     *                   imported Keras model, "width" (a multiplier of every resizable layer's width but the output
     *                   layer's, e.g. {"choice": [0.5, 1, 2]}) and "width.&lt;layer&gt;" (that layer's units or filters,
     *                   e.g. {"choice": [32, 128]}): see {@link dev.preflight.keras.KerasWidths}, and
     *                   {@link #problems(Space, ModelConfig)} for what is refused
     */
    public record Space(int trials, int steps, List<Integer> rungs, int eta, int warmup, int top, int seeds, Map<String, JsonNode> parameters) {

        public static final List<String> PARAMETERS = List.of("learningRate", "hiddenUnits", "channels", "dropout", "weightDecay",
                "batchNorm", "optimizer", "momentum", "augment", WIDTH, WIDTH + ".<layer>");

        /** Reads a search-space file; every problem names its field. */
        public static Space parse(JsonNode json) {
            List<String> problems = new ArrayList<>();
            int steps = json.path("steps").asInt(300);
            Space s = new Space(json.path("trials").asInt(6), steps, ints(json.path("rungs"), List.of(steps / 6, steps / 2)),
                    json.path("eta").asInt(2), json.path("warmup").asInt(steps / 6), json.path("top").asInt(2), json.path("seeds").asInt(3),
                    new LinkedHashMap<>());
            for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!List.of("trials", "steps", "rungs", "eta", "warmup", "top", "seeds", "parameters").contains(f)) {
                    problems.add("unknown field '" + f + "'");
                }
            }
            if (s.trials() < 2 || s.trials() > 64) {
                problems.add("trials must be in [2, 64], was " + s.trials());
            }
            if (s.steps() < 10) {
                problems.add("steps must be >= 10, was " + s.steps());
            }
            if (s.eta() < 2) {
                problems.add("eta must be >= 2, was " + s.eta());
            }
            if (s.top() < 1 || s.top() > s.trials()) {
                problems.add("top must be in [1, trials], was " + s.top());
            }
            if (s.seeds() < 2 || s.seeds() > 10) {
                problems.add("seeds must be in [2, 10] (one seed has no spread), was " + s.seeds());
            }
            for (int r : s.rungs()) {
                if (r < 1 || r >= s.steps()) {
                    problems.add("rungs must lie in [1, steps), got " + r);
                }
            }
            JsonNode params = json.path("parameters");
            if (!params.isObject() || params.isEmpty()) {
                problems.add("parameters must name at least one of " + PARAMETERS);
            } else {
                for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    JsonNode d = e.getValue();
                    if (!PARAMETERS.contains(e.getKey()) && !(e.getKey().startsWith(WIDTH + ".") && e.getKey().length() > WIDTH.length() + 1)) {
                        problems.add("parameters." + e.getKey() + " is not searchable; one of " + PARAMETERS);
                    } else if (d.has("choice") ? !d.get("choice").isArray() || d.get("choice").isEmpty()
                            : !(d.has("uniform") || d.has("logUniform")) || range(d).length != 2 || !(range(d)[0] <= range(d)[1])
                            || d.has("logUniform") && !(range(d)[0] > 0)) {
                        problems.add("parameters." + e.getKey() + " needs {\"choice\": [..]}, {\"uniform\": [lo, hi]} or {\"logUniform\": [lo > 0, hi]}");
                    } else {
                        s.parameters().put(e.getKey(), d);
                    }
                }
            }
            if (!problems.isEmpty()) {
                throw new WireFormatException("invalid search space: " + String.join("; ", problems));
            }
            return s;
        }

        private static List<Integer> ints(JsonNode n, List<Integer> fallback) {
            if (!n.isArray()) {
                return fallback;
            }
            List<Integer> out = new ArrayList<>();
            n.forEach(x -> out.add(x.asInt()));
            return out;
        }

        static double[] range(JsonNode d) {
            JsonNode r = d.has("uniform") ? d.get("uniform") : d.get("logUniform");
            if (r == null || !r.isArray()) {
                return new double[0];
            }
            double[] out = new double[r.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = r.get(i).asDouble(Double.NaN);
            }
            return out;
        }
    }

    /** The search parameter that multiplies an imported model's widths; {@code width.<layer>} sets one layer's. */
    public static final String WIDTH = "width";

    /**
     * What a space cannot do to this model, each naming the parameter and (for widths) the layer: an imported Keras
     * model's widths are its definition's, so hiddenUnits, channels and batchNorm do not apply to it (width and
     * width.&lt;layer&gt; do, where {@link dev.preflight.keras.KerasWidths} allows: every drawable value is tried); a zoo
     * model has no layers to name (hiddenUnits and channels are its widths).
     */
    public static List<String> problems(Space space, ModelConfig model) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : space.parameters().entrySet()) {
            String name = e.getKey();
            boolean width = name.equals(WIDTH) || name.startsWith(WIDTH + ".");
            if (!model.fromKeras()) {
                if (width) {
                    problems.add("parameters." + name + " applies to imported Keras models; a zoo model's widths are hiddenUnits and channels");
                }
                continue;
            }
            if (List.of("hiddenUnits", "channels", "batchNorm").contains(name)) {
                problems.add("parameters." + name + " does not apply to an imported Keras model (the definition says it): use "
                        + WIDTH + " or " + WIDTH + ".<layer> for its widths");
            }
            if (!width || model.keras() == null) {
                continue;
            }
            JsonNode d = e.getValue();
            List<Object> values = new ArrayList<>();
            if (d.has("choice")) {
                d.get("choice").forEach(v -> values.add(plain(v)));
            } else {
                for (double v : Space.range(d)) {
                    values.add(v);
                }
            }
            for (Object v : values) {
                try {
                    applyWidth(model.keras(), name, v, model.kerasWeights() != null);
                } catch (IllegalArgumentException | ClassCastException ex) {
                    problems.add("parameters." + name + " = " + v + ": " + (ex instanceof ClassCastException
                            ? "not a number" : ex.getMessage()));
                }
            }
        }
        return problems;
    }

    /** The definition with one width draw applied ({@code width}: a multiplier; {@code width.<layer>}: units or filters). */
    static JsonNode applyWidth(JsonNode definition, String parameter, Object value, boolean pretrained) {
        double v = ((Number) value).doubleValue();
        if (parameter.equals(WIDTH)) {
            return dev.preflight.keras.KerasWidths.scale(definition, v, pretrained);
        }
        if (v != Math.rint(v)) {
            throw new IllegalArgumentException("a layer's width is a whole number, was " + v);
        }
        return dev.preflight.keras.KerasWidths.set(definition, parameter.substring(WIDTH.length() + 1), (int) v, pretrained);
    }

    /** "augment": true in a search space: small shifts and rotations, safe for digits and shapes alike. */
    public static final Augmentation DEFAULT_AUGMENTATION = new Augmentation(null, null, 10.0, 2, null, null, null);

    /**
     * One sampled configuration: the values drawn, the model config they make, and the train-only augmentation
     * (null: none).
     */
    public record Trial(int index, Map<String, Object> values, ModelConfig model, Augmentation augment) {
        public Trial(int index, Map<String, Object> values, ModelConfig model) {
            this(index, values, model, null);
        }

        /** The values drawn, for people: {learningRate=0.00165, hiddenUnits=[32]} (3 significant digits, not 17). */
        public String describe() {
            StringBuilder b = new StringBuilder("{");
            values.forEach((k, v) -> b.append(b.length() > 1 ? ", " : "").append(k).append('=')
                    .append(v instanceof Double d ? String.format(java.util.Locale.ROOT, "%.3g", d) : String.valueOf(v)));
            return b.append('}').toString();
        }
    }

    /**
     * The search when none is declared: learning rate (log-uniform around Adam's usual 1e-3) and dense-head width,
     * 4 trials of 200 steps, ASHA at steps 30 and 100, the best 2 over 2 more seeds. Small enough for a laptop demo.
     */
    public static final Space DEFAULT_SPACE = parseDefault("""
            {"trials": 4, "steps": 200, "rungs": [30, 100], "eta": 2, "warmup": 30, "top": 2, "seeds": 2,
             "parameters": {"learningRate": {"logUniform": [3e-4, 3e-3]}, "hiddenUnits": {"choice": [[32], [64], [128]]}}}""");

    private static Space parseDefault(String json) {
        try {
            return Space.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How often a trial's state is polled for ASHA rungs and sanity kills. */
    private static final long POLL_MILLIS = 500;

    /** The recipe line this stage checks. */
    public static final String RECIPE_LINE = "Run many ablations at the same time ... Kill experiments that don't show promise (Niessner 10/n); random over grid search (Karpathy 5)";

    /** With {@link #DEFAULT_SPACE}. */
    public Ablations() {
        this(DEFAULT_SPACE);
    }

    public Ablations(Space space) {
        super(NAME, RECIPE_LINE, space);
    }

    /** The search space (this stage's settings). */
    public Space space() {
        return thresholds();
    }

    /** Random search in parallel on the trainers, ASHA and sanity kills, then seed bands for the best configurations. */
    @Override
    public StageResult climb(StageContext ctx) {
        LadderOptions o = ctx.options();
        Runs runs = ctx.runs();
        List<Trial> trials = sample(space(), o.model(), o.seed());
        Map<String, Trial> byRun = new LinkedHashMap<>();
        // The ensemble stage averages the trials' val predictions: asked for only when it will climb (one val pass each).
        List<String> predictions = o.stageNames().contains(Ensemble.NAME) ? List.of("val") : null;
        for (Trial t : trials) {
            byRun.put(ctx.submit(ctx.spec(NAME, augmented(ctx.trainingData(o.batchSize(), true), t), t.model(), space().steps())
                    .withPredictions(predictions).withEarlyStopping(o.earlyStopping())), t);
        }
        Map<Integer, Map<String, Double>> rungs = new TreeMap<>();
        space().rungs().forEach(r -> rungs.put(r, new LinkedHashMap<>()));
        Map<Trial, String> killed = new LinkedHashMap<>();
        Set<String> sane = new HashSet<>();
        Set<String> active = new LinkedHashSet<>(byRun.keySet());
        long deadline = System.nanoTime() + o.runTimeout().toNanos() * Math.max(1, trials.size());
        while (!active.isEmpty() && System.nanoTime() < deadline) {
            for (String runId : List.copyOf(active)) {
                Runs.Status status = runs.status(runId);
                int step = status.step();
                ctx.progress(NAME + " #" + byRun.get(runId).index(), new RunWatcher.Progress(runId, status.state(),
                        step, space().steps(), status.trainLoss(), status.valLoss()));
                if (!status.active()) {
                    active.remove(runId);
                    continue;
                }
                String reason = null;
                if (step >= space().warmup() && sane.add(runId)) {
                    reason = sanityKill(runs.history(runId).trainLosses(), space().warmup());
                }
                for (Map.Entry<Integer, Map<String, Double>> rung : rungs.entrySet()) {
                    if (reason == null && step >= rung.getKey() && !rung.getValue().containsKey(runId)) {
                        int r = rung.getKey();
                        List<ValStep> upTo = StageContext.trained(runs.history(runId).val()).stream().filter(v -> v.step() <= r).toList();
                        rung.getValue().put(runId, StageContext.mean(StageContext.tail(upTo), true));
                        reason = ashaKill(runId, r, rung.getValue(), space().eta());
                    }
                }
                if (reason != null && runs.kill(runId, reason)) {
                    killed.put(byRun.get(runId), reason);
                    active.remove(runId);
                }
            }
            pause();
        }
        List<String> runIds = new ArrayList<>(byRun.keySet());
        List<Trial> completed = new ArrayList<>();
        Map<Trial, Double> finalLoss = new LinkedHashMap<>();
        List<String> completedRuns = new ArrayList<>();
        for (Map.Entry<String, Trial> e : byRun.entrySet()) {
            RunWatcher.Finished run = ctx.await(e.getKey(), space().steps(), NAME + " #" + e.getValue().index());
            if (killed.containsKey(e.getValue())) {
                // Kept for the report: a killed trial's curve up to its kill, drawn grey next to the survivors.
                ctx.keep(NAME, run, "trial " + e.getValue().index() + " (killed)");
                continue;
            }
            ctx.keep(NAME, run, "trial " + e.getValue().index());
            if (!run.failed()) {
                completed.add(e.getValue());
                completedRuns.add(e.getKey());
                finalLoss.put(e.getValue(), StageContext.mean(StageContext.tail(StageContext.trained(run.history().val())), true));
            }
        }
        List<Trial> best = completed.stream().sorted(Comparator.comparingDouble(finalLoss::get)).limit(space().top()).toList();
        // K seeds of each best configuration: new init and data-order seeds, everything else the same.
        Map<Trial, List<String>> seedRuns = new LinkedHashMap<>();
        for (Trial t : best) {
            for (int s = 1; s <= space().seeds(); s++) {
                long seed = o.seed() + 1000L * s;
                String id = ctx.submit(ctx.spec(NAME, augmented(ctx.trainingData(seed, o.batchSize(), true), t), t.model().withSeed(seed),
                        space().steps()).withEarlyStopping(o.earlyStopping()));
                seedRuns.computeIfAbsent(t, k -> new ArrayList<>()).add(id);
                runIds.add(id);
            }
        }
        List<SeedBand> bands = new ArrayList<>();
        for (Map.Entry<Trial, List<String>> e : seedRuns.entrySet()) {
            double[] losses = new double[e.getValue().size()];
            double[] accuracies = new double[e.getValue().size()];
            for (int i = 0; i < losses.length; i++) {
                RunWatcher.Finished run = ctx.await(e.getValue().get(i), space().steps(), NAME + " seeds #" + e.getKey().index());
                ctx.keep(NAME, run, "trial " + e.getKey().index() + " · seed " + (i + 1));
                List<ValStep> val = StageContext.tail(StageContext.trained(run.history().val()));
                losses[i] = StageContext.mean(val, true);
                accuracies[i] = StageContext.mean(val, false);
            }
            bands.add(new SeedBand(e.getKey(), e.getValue(), losses, accuracies));
        }
        ctx.leaderboard(new Leaderboard(bands.stream().sorted(Comparator.comparingDouble(SeedBand::meanLoss)).toList(), killed, completedRuns));
        return judge(trials, completed, killed, bands, runIds);
    }

    /**
     * The trial's data config: when the search space varies "augment", the trial's augmentation (none included)
     * replaces the experiment's; otherwise the experiment's stays. Train only: the val path cannot take one.
     */
    static DataConfig augmented(DataConfig d, Trial t) {
        return !t.values().containsKey("augment") ? d : d.withAugment(t.augment());
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** {@code space.trials()} random configurations around {@code base}, reproducible from {@code seed}. */
    public static List<Trial> sample(Space space, ModelConfig base, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Trial> trials = new ArrayList<>();
        for (int t = 0; t < space.trials(); t++) {
            Map<String, Object> values = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : space.parameters().entrySet()) {
                JsonNode d = e.getValue();
                Object v;
                if (d.has("choice")) {
                    v = plain(d.get("choice").get(rng.nextInt(d.get("choice").size())));
                } else {
                    double[] r = Space.range(d);
                    v = d.has("logUniform") ? Math.exp(Math.log(r[0]) + rng.nextDouble() * (Math.log(r[1]) - Math.log(r[0])))
                            : r[0] + rng.nextDouble() * (r[1] - r[0]);
                }
                values.put(e.getKey(), v);
            }
            trials.add(new Trial(t, values, apply(base, values), augmentation(values.get("augment"))));
        }
        return trials;
    }

    private static Augmentation augmentation(Object v) {
        if (v instanceof Boolean b) {
            return b ? DEFAULT_AUGMENTATION : null;
        }
        if (v instanceof JsonNode n) {
            return Json.decode(n.toString(), Augmentation.class);
        }
        return null;
    }

    private static Object plain(JsonNode n) {
        if (n.isObject()) {
            return n;
        }
        if (n.isArray()) {
            List<Integer> list = new ArrayList<>();
            n.forEach(x -> list.add(x.asInt()));
            return list;
        }
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        if (n.isTextual()) {
            return n.asText();
        }
        return n.asDouble();
    }

    /**
     * The trial's config: {@code base} with the drawn values. An imported Keras model keeps its weights and loss
     * options; its definition gets the width draws ({@code width}, then each {@code width.<layer>}); hiddenUnits,
     * channels and batchNorm are the definition's ({@link #problems(Space, ModelConfig)} refuses them). Learning rate,
     * dropout — every Dropout layer's rate —, weight decay, optimiser and momentum apply as to a zoo model.
     *
     * @throws IllegalArgumentException naming the layer a width draw cannot apply to
     */
    static ModelConfig apply(ModelConfig b, Map<String, Object> v) {
        ModelConfig out = applyZoo(b, v);
        if (!b.fromKeras()) {
            return out;
        }
        JsonNode keras = b.keras();
        if (v.containsKey(WIDTH)) {
            keras = applyWidth(keras, WIDTH, v.get(WIDTH), b.kerasWeights() != null);
        }
        for (Map.Entry<String, Object> e : v.entrySet()) {
            if (e.getKey().startsWith(WIDTH + ".")) {
                keras = applyWidth(keras, e.getKey(), e.getValue(), b.kerasWeights() != null);
            }
        }
        return out.toBuilder().hiddenUnits(b.hiddenUnits()).channels(b.channels()).batchNorm(b.batchNorm()).keras(keras)
                .kerasWeights(b.kerasWeights()).fromLogits(b.fromLogits()).build();
    }

    @SuppressWarnings("unchecked")
    private static ModelConfig applyZoo(ModelConfig b, Map<String, Object> v) {
        return new ModelConfig(b.type(), b.seed(),
                v.containsKey("learningRate") ? (Double) v.get("learningRate") : b.learningRate(),
                v.containsKey("hiddenUnits") ? (List<Integer>) v.get("hiddenUnits") : b.hiddenUnits(),
                v.containsKey("channels") ? (List<Integer>) v.get("channels") : b.channels(), b.blocks(),
                v.containsKey("optimizer") ? (String) v.get("optimizer") : b.optimizer(),
                v.containsKey("momentum") ? (Double) v.get("momentum") : b.momentum(),
                v.containsKey("dropout") ? (Double) v.get("dropout") : b.dropout(),
                v.containsKey("batchNorm") ? (Boolean) v.get("batchNorm") : b.batchNorm(),
                v.containsKey("weightDecay") ? (Double) v.get("weightDecay") : b.weightDecay(),
                b.lrSchedule(), b.lrStepEvery(), b.lrStepGamma(), b.biasInit(), b.loss(), b.initScale(), b.dropInputs());
    }

    /**
     * The ASHA rule at one rung: with at least {@code eta} trials measured there, a trial survives only if it is among
     * the best {@code ceil(n / eta)} (lower metric is better). Fewer measurements: too early to judge, keep it.
     *
     * @return null to keep the trial, else the reason to kill it
     */
    public static String ashaKill(String trialRun, int rung, Map<String, Double> metricsAtRung, int eta) {
        int n = metricsAtRung.size();
        Double mine = metricsAtRung.get(trialRun);
        if (mine == null || n < eta) {
            return null;
        }
        int keep = (int) Math.ceil((double) n / eta);
        long better = metricsAtRung.values().stream().filter(m -> m < mine).count();
        return better < keep ? null : String.format("ASHA: val loss %.4f at step %d is not in the top %d of %d", mine, rung, keep, n);
    }

    /** Sanity kill: after warm-up the train loss must be below where it started; else the trial is going nowhere. */
    public static String sanityKill(double[] trainLosses, int warmup) {
        if (trainLosses.length < warmup || warmup < 2) {
            return null;
        }
        int k = Math.max(1, Math.min(5, warmup / 2));
        double start = mean(trainLosses, 0, k);
        double now = mean(trainLosses, warmup - k, warmup);
        return now >= start ? String.format("sanity: train loss %.4f after %d warm-up steps is not below its initial %.4f", now, warmup, start) : null;
    }

    private static double mean(double[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return s / (to - from);
    }

    /** A configuration re-run with several seeds: its final val losses and accuracies. */
    public record SeedBand(Trial trial, List<String> runIds, double[] valLosses, double[] valAccuracies) {
        public double meanLoss() {
            return java.util.Arrays.stream(valLosses).average().orElse(Double.NaN);
        }

        public double sdLoss() {
            return sd(valLosses);
        }

        public double meanAccuracy() {
            return java.util.Arrays.stream(valAccuracies).average().orElse(Double.NaN);
        }

        public double sdAccuracy() {
            return sd(valAccuracies);
        }

        static double sd(double[] v) {
            if (v.length < 2) {
                return Double.NaN;
            }
            double m = java.util.Arrays.stream(v).average().orElse(0);
            double ss = 0;
            for (double x : v) {
                ss += (x - m) * (x - m);
            }
            return Math.sqrt(ss / (v.length - 1));
        }
    }

    /**
     * @param completed trials that ran to the end (not killed, not failed)
     * @param killed    trials stopped early, with the reason
     * @param bands     the best configurations, each over several seeds, best first
     */
    public static StageResult judge(List<Trial> trials, List<Trial> completed, Map<Trial, String> killed, List<SeedBand> bands, List<String> runIds) {
        Evidence ev = new Evidence().put("trials", trials.size()).put("completed", completed.size()).put("killed_early", killed.size());
        List<SeedBand> ranked = new ArrayList<>(bands);
        ranked.sort(Comparator.comparingDouble(SeedBand::meanLoss));
        for (int i = 0; i < ranked.size(); i++) {
            SeedBand b = ranked.get(i);
            ev.put("rank" + (i + 1) + "_trial", b.trial().index()).put("rank" + (i + 1) + "_val_loss_mean", b.meanLoss())
                    .put("rank" + (i + 1) + "_val_loss_sd", b.sdLoss()).put("rank" + (i + 1) + "_val_accuracy_mean", b.meanAccuracy())
                    .put("rank" + (i + 1) + "_val_accuracy_sd", b.sdAccuracy());
        }
        if (ranked.isEmpty()) {
            return new StageResult(NAME, Verdict.FAIL, ev.map(), "no configuration completed: every trial was killed or failed "
                    + "(widen the space, lengthen the warm-up, or fix the stages before this one)", runIds);
        }
        SeedBand best = ranked.get(0);
        String winner = String.format("best: trial %d %s, val loss %.4f ± %.4f over %d seeds", best.trial().index(), best.trial().describe(),
                best.meanLoss(), best.sdLoss(), best.valLosses().length);
        if (ranked.size() > 1) {
            SeedBand second = ranked.get(1);
            double gap = second.meanLoss() - best.meanLoss();
            double noise = Math.max(best.sdLoss(), second.sdLoss());
            ev.put("gap_to_runner_up", gap).put("seed_noise", noise);
            if (!(gap > noise)) {
                return new StageResult(NAME, Verdict.WARN, ev.map(), winner + String.format("; the runner-up (trial %d) is within seed noise "
                        + "(gap %.4f <= sd %.4f): the difference is noise, not a finding", second.trial().index(), gap, noise), runIds);
            }
        }
        return new StageResult(NAME, Verdict.PASS, ev.map(), winner + (killed.isEmpty() ? "" : "; " + killed.size() + " trials killed early"), runIds);
    }
}
