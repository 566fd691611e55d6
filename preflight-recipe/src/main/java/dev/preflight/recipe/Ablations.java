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
import dev.preflight.wire.RunSpec;
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
     * @param parameters name -> {"choice": [..]} | {"uniform": [lo, hi]} | {"logUniform": [lo, hi]} (ranges only for
     *                   numbers; a whole-number parameter's draw is rounded); names are ModelConfig fields:
     *                   learningRate, hiddenUnits, channels, dropout, weightDecay, batchNorm, optimizer, momentum,
     *                   lrSchedule ("constant", "step", "cosine"), lrStepEvery, lrStepGamma; DataConfig fields:
     *                   "batchSize" (the recipe's "decrease the batch size"; see {@link #atBatch} for how trials at
     *                   different batch sizes are compared), "resolution" ([height, width] in pixels of an image
     *                   dataset, e.g. {"choice": [[14, 14], [28, 28]]}: the recipe's "smaller input dimensionality";
     *                   never above the stored size), "augment" (the data's train-only augmentation): true =
     *                   {@link #DEFAULT_AUGMENTATION}, false = none, or an augmentation object, e.g.
     *                   {"choice": [false, {"translatePixels": 3}]}, and "augment.&lt;field&gt;" for each field of
     *                   {@link Augmentation} (hflip, vflip, rotationDegrees, translatePixels, noiseStd, brightness,
     *                   contrast; e.g. "augment.translatePixels": {"choice": [0, 3]}: the recipe's "add features back one
     *                   at a time"), set on top of "augment"'s draw or the experiment's augmentation; and for an
     *                   imported Keras model, "width" (a multiplier of every resizable layer's width but the output
     *                   layer's, e.g. {"choice": [0.5, 1, 2]}) and "width.&lt;layer&gt;" (that layer's units or filters,
     *                   e.g. {"choice": [32, 128]}): see {@link dev.preflight.keras.KerasWidths}. {@link #parse} checks
     *                   names and value kinds, {@link #problems(Space, ModelConfig, int)} every drawable value against
     *                   the model, {@link #datasetProblems(Space, int[])} against the dataset's sample shape
     */
    public record Space(int trials, int steps, List<Integer> rungs, int eta, int warmup, int top, int seeds, Map<String, JsonNode> parameters) {

        public static final List<String> PARAMETERS = List.of("learningRate", "hiddenUnits", "channels", "dropout", "weightDecay",
                "batchNorm", "optimizer", "momentum", LR_SCHEDULE, LR_STEP_EVERY, LR_STEP_GAMMA, BATCH_SIZE, RESOLUTION, AUGMENT,
                AUGMENT + ".<field>", WIDTH, WIDTH + ".<layer>");

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
                    String name = e.getKey();
                    if (name.startsWith(AUGMENT_PREFIX) && !AUGMENT_FIELDS.containsKey(name.substring(AUGMENT_PREFIX.length()))) {
                        problems.add("parameters." + name + " is not an augmentation; one of " + AUGMENT_FIELDS.keySet().stream()
                                .map(f -> AUGMENT_PREFIX + f).toList());
                    } else if (!PARAMETERS.contains(name) && !name.startsWith(AUGMENT_PREFIX)
                            && !(name.startsWith(WIDTH + ".") && name.length() > WIDTH.length() + 1)) {
                        problems.add("parameters." + name + " is not searchable; one of " + PARAMETERS);
                    } else if (d.has("choice") ? !d.get("choice").isArray() || d.get("choice").isEmpty()
                            : !(d.has("uniform") || d.has("logUniform")) || range(d).length != 2 || !(range(d)[0] <= range(d)[1])
                            || d.has("logUniform") && !(range(d)[0] > 0)) {
                        problems.add("parameters." + name + " needs {\"choice\": [..]}, {\"uniform\": [lo, hi]} or {\"logUniform\": [lo > 0, hi]}");
                    } else if (!d.has("choice") && !kindOf(name).ranges) {
                        problems.add("parameters." + name + " takes {\"choice\": [..]} only: its values are " + kindOf(name).what);
                    } else {
                        List<String> bad = new ArrayList<>();
                        if (d.has("choice")) {
                            d.get("choice").forEach(v -> {
                                if (!kindOf(name).fits(v)) {
                                    bad.add(v.toString());
                                }
                            });
                        }
                        if (!bad.isEmpty()) {
                            problems.add("parameters." + name + ": " + String.join(", ", bad) + (bad.size() == 1 ? " is" : " are")
                                    + " not " + kindOf(name).what);
                        } else {
                            try {
                                candidates(name, d); // an augmentation object is decoded strictly: an unknown field is named
                                s.parameters().put(name, d);
                            } catch (WireFormatException ex) {
                                problems.add("parameters." + name + ": " + ex.getMessage());
                            }
                        }
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
    /** The trial's train batch size (DataConfig.batchSize). */
    public static final String BATCH_SIZE = "batchSize";
    /** The trial's input [height, width] (DataConfig.resolution). */
    public static final String RESOLUTION = "resolution";
    /** The trial's whole augmentation; {@code augment.<field>} sets one of its fields. */
    public static final String AUGMENT = "augment";
    static final String AUGMENT_PREFIX = AUGMENT + ".";
    public static final String LR_SCHEDULE = "lrSchedule";
    public static final String LR_STEP_EVERY = "lrStepEvery";
    public static final String LR_STEP_GAMMA = "lrStepGamma";

    /** Each {@link Augmentation} field ("augment.&lt;field&gt;") with its kind, read off the record so a new field is searchable. */
    static final Map<String, Kind> AUGMENT_FIELDS = augmentFields();

    private static Map<String, Kind> augmentFields() {
        Map<String, Kind> out = new LinkedHashMap<>();
        for (java.lang.reflect.RecordComponent c : Augmentation.class.getRecordComponents()) {
            out.put(c.getName(), c.getType() == Boolean.class ? Kind.FLAG : c.getType() == Integer.class ? Kind.WHOLE : Kind.NUMBER);
        }
        return out;
    }

    /** What a parameter's values are: {@link Space#parse} checks them, {@link #sample} draws them as this Java type. */
    enum Kind {
        /** Double. */
        NUMBER("numbers", true),
        /** Integer; a range's draw is rounded. */
        WHOLE("whole numbers", true),
        /** List of Integer. */
        WIDTHS("lists of whole numbers >= 1, e.g. [32, 64]", false),
        /** Boolean. */
        FLAG("true or false", false),
        /** String. */
        NAME("names (strings)", false),
        /** Boolean, or the object as JsonNode. */
        AUGMENTATION("true, false or augmentation objects", false),
        /** List of two Integer. */
        SHAPE("[height, width] pairs of whole numbers >= 1, e.g. [14, 14]", false);

        final String what;
        final boolean ranges;

        Kind(String what, boolean ranges) {
            this.what = what;
            this.ranges = ranges;
        }

        boolean fits(JsonNode v) {
            return switch (this) {
                case NUMBER -> v.isNumber();
                case WHOLE -> v.isNumber() && v.asDouble() == Math.rint(v.asDouble());
                case WIDTHS -> wholes(v, -1);
                case FLAG -> v.isBoolean();
                case NAME -> v.isTextual();
                case AUGMENTATION -> v.isBoolean() || v.isObject();
                case SHAPE -> wholes(v, 2);
            };
        }

        private static boolean wholes(JsonNode v, int size) {
            if (!v.isArray() || v.isEmpty() || size > 0 && v.size() != size) {
                return false;
            }
            for (JsonNode x : v) {
                if (!x.isIntegralNumber() || x.asInt() < 1) {
                    return false;
                }
            }
            return true;
        }

        /** A value of this kind as drawn ({@link #fits} holds). */
        Object value(JsonNode v) {
            return switch (this) {
                case NUMBER -> v.asDouble();
                case WHOLE -> (int) Math.round(v.asDouble());
                case WIDTHS, SHAPE -> {
                    List<Integer> list = new ArrayList<>();
                    v.forEach(x -> list.add(x.asInt()));
                    yield List.copyOf(list);
                }
                case FLAG -> v.asBoolean();
                case NAME -> v.asText();
                case AUGMENTATION -> v.isBoolean() ? (Object) v.asBoolean() : v;
            };
        }

        /** A range draw of this kind: whole numbers rounded. */
        Object drawn(double x) {
            return this == WHOLE ? (Object) (int) Math.round(x) : (Object) x;
        }
    }

    /** The kind of parameter {@code name}'s values. */
    static Kind kindOf(String name) {
        if (name.startsWith(AUGMENT_PREFIX)) {
            return AUGMENT_FIELDS.getOrDefault(name.substring(AUGMENT_PREFIX.length()), Kind.NUMBER);
        }
        return switch (name) {
            case "hiddenUnits", "channels" -> Kind.WIDTHS;
            case "batchNorm" -> Kind.FLAG;
            case "optimizer", LR_SCHEDULE -> Kind.NAME;
            case AUGMENT -> Kind.AUGMENTATION;
            case RESOLUTION -> Kind.SHAPE;
            case BATCH_SIZE, LR_STEP_EVERY -> Kind.WHOLE;
            default -> Kind.NUMBER; // learningRate, dropout, weightDecay, momentum, lrStepGamma, width, width.<layer>
        };
    }

    /**
     * Every value a parameter can draw that validation should see: each choice, or a range's two ends, as drawn.
     *
     * @throws WireFormatException for an augmentation object with an unknown field
     */
    static List<Object> candidates(String name, JsonNode d) {
        Kind kind = kindOf(name);
        List<Object> out = new ArrayList<>();
        if (d.has("choice")) {
            d.get("choice").forEach(v -> out.add(kind.value(v)));
        } else {
            for (double v : Space.range(d)) {
                out.add(kind.drawn(v));
            }
        }
        if (kind == Kind.AUGMENTATION) {
            out.forEach(Ablations::augmentation);
        }
        return out;
    }

    /**
     * What a space cannot do to this model, each naming the parameter and (for widths) the layer: an imported Keras
     * model's widths are its definition's, so hiddenUnits, channels and batchNorm do not apply to it (width and
     * width.&lt;layer&gt; do, where {@link dev.preflight.keras.KerasWidths} allows: every drawable value is tried); a zoo
     * model has no layers to name (hiddenUnits and channels are its widths).
     */
    public static List<String> problems(Space space, ModelConfig model) {
        return problems(space, model, LadderOptions.DEFAULT_BATCH_SIZE);
    }

    /**
     * {@link #problems(Space, ModelConfig)}, and every value a parameter can draw (each choice, a range's ends; the other
     * parameters at their first value) checked as the trial's run spec would be at submission, with the experiment's
     * {@code batchSize}: "parameters.dropout = 1.5: model.dropout must be in [0, 1), was 1.5". Also refused: resolution
     * for an imported Keras model (its input shape is the definition's), lrSchedule "step" with no lrStepEvery, and a
     * batchSize at which the space's steps or rungs collapse ({@link #atBatch}: fewer than {@value #MIN_TRIAL_STEPS}
     * steps, a rung on or past the last step).
     */
    public static List<String> problems(Space space, ModelConfig model, int batchSize) {
        Set<String> problems = new LinkedHashSet<>(zooAndWidthProblems(space, model));
        if (model.fromKeras() && space.parameters().containsKey(RESOLUTION)) {
            problems.add("parameters." + RESOLUTION + " does not apply to an imported Keras model: its input shape is the definition's");
        }
        JsonNode batches = space.parameters().get(BATCH_SIZE);
        if (batches != null) {
            for (Object v : candidates(BATCH_SIZE, batches)) {
                int size = (Integer) v;
                if (!new RunSpec("check", new DataConfig(1L, 0, size, 0.2), model, space.steps(), null).problems().stream()
                        .allMatch(p -> !p.startsWith("data."))) {
                    continue; // a batch size DataConfig refuses is named below, with its reason
                }
                Trial t = new Trial(0, Map.of(BATCH_SIZE, size), model);
                int steps = atBatch(space.steps(), batchSize, t);
                String at = "parameters." + BATCH_SIZE + " = " + size + ": the space's steps count at the experiment's batch size "
                        + batchSize + " (trials compare at equal samples seen), so ";
                if (steps < MIN_TRIAL_STEPS) {
                    problems.add(at + space.steps() + " steps are " + steps + " at batch " + size + ", fewer than " + MIN_TRIAL_STEPS
                            + ": raise steps or lower the largest batch size");
                } else {
                    for (int r : space.rungs()) {
                        if (atBatch(r, batchSize, t) >= steps) {
                            problems.add(at + "rung " + r + " falls on step " + atBatch(r, batchSize, t) + " of " + steps + " at batch " + size
                                    + ": move the rung earlier");
                        }
                    }
                }
            }
        }
        Map<String, List<Object>> drawable = new LinkedHashMap<>();
        space.parameters().forEach((n, d) -> drawable.put(n, candidates(n, d)));
        DataConfig data = new DataConfig(1L, 0, batchSize, 0.2);
        Set<String> already = new HashSet<>(new RunSpec("check", data, model, space.steps(), null).problems());
        for (Map.Entry<String, List<Object>> e : drawable.entrySet()) {
            if (isWidth(e.getKey())) {
                continue; // checked layer by layer above
            }
            for (Object v : e.getValue()) {
                Map<String, Object> values = new LinkedHashMap<>();
                drawable.forEach((n, vs) -> {
                    if (!isWidth(n)) {
                        values.put(n, vs.get(0));
                    }
                });
                values.put(e.getKey(), v);
                Trial t = new Trial(0, values, apply(model, values), augmentation(values.get(AUGMENT)));
                RunSpec spec = new RunSpec("check", trialData(data, t), trialModel(t, batchSize), atBatch(space.steps(), batchSize, t), null);
                for (String p : spec.problems()) {
                    if (!already.contains(p)) {
                        problems.add("parameters." + e.getKey() + " = " + v + ": " + p);
                    }
                }
            }
        }
        return List.copyOf(problems);
    }

    /** A trial shorter than this has no room for a rung before its end. */
    static final int MIN_TRIAL_STEPS = 10;

    private static boolean isWidth(String name) {
        return name.equals(WIDTH) || name.startsWith(WIDTH + ".");
    }

    /**
     * What a space cannot do to a dataset whose samples have shape {@code sampleShape} (the data-service's stats): a
     * resolution on samples that are not images or above the stored size, an augmentation that moves pixels on samples
     * that are not images. Each problem names the parameter and the value; the data-service refuses the same runs.
     */
    @SuppressWarnings("unchecked")
    public static List<String> datasetProblems(Space space, int[] sampleShape) {
        List<String> problems = new ArrayList<>();
        boolean image = sampleShape.length == 3;
        String shape = java.util.Arrays.toString(sampleShape);
        for (Map.Entry<String, JsonNode> e : space.parameters().entrySet()) {
            String name = e.getKey();
            if (name.equals(RESOLUTION)) {
                if (!image) {
                    problems.add("parameters." + name + " needs image samples [h, w, c]; the dataset's samples have shape " + shape + " (not images)");
                    continue;
                }
                for (Object v : candidates(name, e.getValue())) {
                    List<Integer> hw = (List<Integer>) v;
                    if (hw.get(0) > sampleShape[0] || hw.get(1) > sampleShape[1]) {
                        problems.add("parameters." + name + " = " + hw + ": larger than the dataset's stored images [" + sampleShape[0] + ", "
                                + sampleShape[1] + "] (upscaling adds pixels, not information)");
                    }
                }
            } else if (!image && (name.equals(AUGMENT) || name.startsWith(AUGMENT_PREFIX))) {
                for (Object v : candidates(name, e.getValue())) {
                    Augmentation a = name.equals(AUGMENT) ? augmentation(v) : withField(null, name.substring(AUGMENT_PREFIX.length()), v);
                    if (a != null && a.geometric()) {
                        problems.add("parameters." + name + " = " + v + ": flips, rotation and translation need image samples; the dataset's "
                                + "samples have shape " + shape);
                    }
                }
            }
        }
        return problems;
    }

    private static List<String> zooAndWidthProblems(Space space, ModelConfig model) {
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
            for (Object v : candidates(name, e.getValue())) {
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
        int base = o.batchSize();
        if (space().parameters().keySet().stream().anyMatch(n -> n.equals(RESOLUTION) || n.equals(AUGMENT) || n.startsWith(AUGMENT_PREFIX))) {
            JsonNode shape = ctx.stats().path("sampleShape");
            List<String> misfit = datasetProblems(space(), shape.isArray() ? Json.MAPPER.convertValue(shape, int[].class) : new int[0]);
            if (!misfit.isEmpty()) {
                return new StageResult(NAME, Verdict.FAIL, new Evidence().put("trials", trials.size()).put("space_problems", misfit.size()).map(),
                        "the search space does not fit dataset '" + o.dataset() + "' (no trial was run): " + String.join("; ", misfit),
                        List.of(), misfit);
            }
        }
        Map<String, Trial> byRun = new LinkedHashMap<>();
        // The ensemble stage averages the trials' val predictions: asked for only when it will climb (one val pass each).
        List<String> predictions = o.stageNames().contains(Ensemble.NAME) ? List.of("val") : null;
        for (Trial t : trials) {
            byRun.put(ctx.submit(ctx.spec(NAME, trialData(ctx.trainingData(base, true), t), trialModel(t, base), atBatch(space().steps(), base, t))
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
                Trial trial = byRun.get(runId);
                Runs.Status status = runs.status(runId);
                int step = status.step();
                ctx.progress(NAME + " #" + trial.index(), new RunWatcher.Progress(runId, status.state(),
                        step, atBatch(space().steps(), base, trial), status.trainLoss(), status.valLoss()));
                if (!status.active()) {
                    active.remove(runId);
                    continue;
                }
                String reason = null;
                int warmup = atBatch(space().warmup(), base, trial);
                if (step >= warmup && sane.add(runId)) {
                    reason = sanityKill(runs.history(runId).trainLosses(), warmup);
                }
                // Rungs are keyed by the space's steps; each trial reaches one at its own step of equal samples seen.
                for (Map.Entry<Integer, Map<String, Double>> rung : rungs.entrySet()) {
                    int r = atBatch(rung.getKey(), base, trial);
                    if (reason == null && step >= r && !rung.getValue().containsKey(runId)) {
                        List<ValStep> upTo = StageContext.trained(runs.history(runId).val()).stream().filter(v -> v.step() <= r).toList();
                        rung.getValue().put(runId, StageContext.mean(StageContext.tail(upTo), true));
                        reason = ashaKill(runId, r, rung.getValue(), space().eta());
                        if (reason != null && trial.values().containsKey(BATCH_SIZE)) {
                            reason += String.format(" (%d samples seen at batch %d, as every trial at this rung)",
                                    (long) rung.getKey() * base, (Integer) trial.values().get(BATCH_SIZE));
                        }
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
            RunWatcher.Finished run = ctx.await(e.getKey(), atBatch(space().steps(), base, e.getValue()), NAME + " #" + e.getValue().index());
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
                String id = ctx.submit(ctx.spec(NAME, trialData(ctx.trainingData(seed, base, true), t), trialModel(t, base).withSeed(seed),
                        atBatch(space().steps(), base, t)).withEarlyStopping(o.earlyStopping()));
                seedRuns.computeIfAbsent(t, k -> new ArrayList<>()).add(id);
                runIds.add(id);
            }
        }
        List<SeedBand> bands = new ArrayList<>();
        for (Map.Entry<Trial, List<String>> e : seedRuns.entrySet()) {
            double[] losses = new double[e.getValue().size()];
            double[] accuracies = new double[e.getValue().size()];
            for (int i = 0; i < losses.length; i++) {
                RunWatcher.Finished run = ctx.await(e.getValue().get(i), atBatch(space().steps(), base, e.getKey()), NAME + " seeds #" + e.getKey().index());
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
     * The trial's data config: {@code d} (the experiment's) with what the trial drew. "augment" replaces the
     * experiment's augmentation (none included), each "augment.&lt;field&gt;" then sets that field of it (of the
     * experiment's when "augment" is not searched); augmentation is train only: the val path cannot take one.
     * "batchSize" and "resolution" replace the experiment's; the eval-service scores the trial at its resolution.
     */
    @SuppressWarnings("unchecked")
    static DataConfig trialData(DataConfig d, Trial t) {
        Map<String, Object> v = t.values();
        DataConfig out = d;
        boolean augments = v.containsKey(AUGMENT);
        Augmentation a = augments ? t.augment() : d.augment();
        for (String field : AUGMENT_FIELDS.keySet()) {
            if (v.containsKey(AUGMENT_PREFIX + field)) {
                a = withField(a, field, v.get(AUGMENT_PREFIX + field));
                augments = true;
            }
        }
        if (augments) {
            out = out.withAugment(a);
        }
        if (v.containsKey(BATCH_SIZE)) {
            out = out.withBatchSize((Integer) v.get(BATCH_SIZE));
        }
        if (v.containsKey(RESOLUTION)) {
            out = out.withResolution((List<Integer>) v.get(RESOLUTION));
        }
        return out;
    }

    /** {@code a} (null: none) with one field set, through its JSON so that the record's own decoding applies. */
    static Augmentation withField(Augmentation a, String field, Object value) {
        com.fasterxml.jackson.databind.node.ObjectNode n = a == null ? Json.MAPPER.createObjectNode() : Json.MAPPER.valueToTree(a);
        n.set(field, Json.MAPPER.valueToTree(value));
        return Json.decode(n.toString(), Augmentation.class);
    }

    /**
     * {@code stepsAtBase} steps at the experiment's batch size ({@code baseBatch}) as steps of trial {@code t}: the same
     * number of samples seen. When the space varies batchSize, its steps, rungs, warm-up and a step schedule's
     * lrStepEvery count steps at the experiment's batch size, and each trial runs {@code round(steps * baseBatch /
     * batchSize)} of its own: a trial at batch 16 takes 4x the steps of one at 64 and both see the same epochs, so ASHA
     * and the final ranking compare them at equal data. (At equal steps the bigger batch would have seen more data
     * and could win for that alone; the recipe's "decrease the batch size" asks whether more, noisier updates per
     * epoch train better.) Wall time per trial then differs; the data seen does not. Unchanged when batchSize is not
     * searched.
     */
    static int atBatch(int stepsAtBase, int baseBatch, Trial t) {
        Object b = t.values().get(BATCH_SIZE);
        return b == null ? stepsAtBase : Math.max(1, (int) Math.round((double) stepsAtBase * baseBatch / (Integer) b));
    }

    /** The trial's model as submitted: a step schedule's lrStepEvery counted like the space's steps ({@link #atBatch}). */
    static ModelConfig trialModel(Trial t, int baseBatch) {
        ModelConfig m = t.model();
        if (m.lrStepEvery() == null || !t.values().containsKey(BATCH_SIZE)) {
            return m;
        }
        return new ModelConfig(m.type(), m.seed(), m.learningRate(), m.hiddenUnits(), m.channels(), m.blocks(), m.optimizer(), m.momentum(),
                m.dropout(), m.batchNorm(), m.weightDecay(), m.lrSchedule(), atBatch(m.lrStepEvery(), baseBatch, t), m.lrStepGamma(),
                m.biasInit(), m.loss(), m.initScale(), m.dropInputs(), m.keras(), m.kerasWeights(), m.fromLogits());
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
                Kind kind = kindOf(e.getKey());
                Object v;
                if (d.has("choice")) {
                    v = kind.value(d.get("choice").get(rng.nextInt(d.get("choice").size())));
                } else {
                    double[] r = Space.range(d);
                    v = kind.drawn(d.has("logUniform") ? Math.exp(Math.log(r[0]) + rng.nextDouble() * (Math.log(r[1]) - Math.log(r[0])))
                            : r[0] + rng.nextDouble() * (r[1] - r[0]));
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
                v.containsKey(LR_SCHEDULE) ? (String) v.get(LR_SCHEDULE) : b.lrSchedule(),
                v.containsKey(LR_STEP_EVERY) ? (Integer) v.get(LR_STEP_EVERY) : b.lrStepEvery(),
                v.containsKey(LR_STEP_GAMMA) ? (Double) v.get(LR_STEP_GAMMA) : b.lrStepGamma(), b.biasInit(), b.loss(), b.initScale(), b.dropInputs());
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
        // The drawn values of every ranked configuration, in report.json as well as the leaderboard.
        List<String> configs = new ArrayList<>();
        for (int i = 0; i < ranked.size(); i++) {
            SeedBand b = ranked.get(i);
            configs.add(String.format("rank %d: trial %d %s, val loss %.4f ± %.4f over %d seeds", i + 1, b.trial().index(), b.trial().describe(),
                    b.meanLoss(), b.sdLoss(), b.valLosses().length));
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
                        + "(gap %.4f <= sd %.4f): the difference is noise, not a finding", second.trial().index(), gap, noise), runIds, configs);
            }
        }
        return new StageResult(NAME, Verdict.PASS, ev.map(), winner + (killed.isEmpty() ? "" : "; " + killed.size() + " trials killed early"), runIds,
                configs);
    }
}
