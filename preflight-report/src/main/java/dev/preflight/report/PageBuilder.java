package dev.preflight.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.ladder.Leaderboard;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.StageArtifacts;
import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.FullData;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.SpeedCheck;
import dev.preflight.recipe.StageResult;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Turns a ladder's outcome into what the template shows ({@link ReportPage}) and what report.js draws
 * ({@link ChartSpec}): one pass over the stages, in ladder order.
 */
final class PageBuilder {

    /** The page and its charts' data. */
    record Built(ReportPage.Page page, List<ChartSpec> charts) {
    }

    /** Prediction tables wider than this many fixed samples stay out of the page (segmentation sends pixels). */
    private static final int MAX_DYNAMICS_SAMPLES = 64;
    private static final int MAX_HISTOGRAM_CLASSES = 300;
    /** Runs shorter than this (init-check's single step) get bars of their few losses instead of curves. */
    private static final int MIN_CURVE_STEPS = 5;
    private static final String ZOOM = "Zoom with the slider under the chart, the box tool at its top right, or Ctrl + mouse wheel; "
            + "hover for values; click a legend entry to hide its curve. The smoothing is an exponential moving average, as in "
            + "TensorBoard (the raw curve stays faint behind it).";

    private final Map<String, StageArtifacts> artifacts;
    private final Leaderboard board;
    private final List<String> classNames;
    private final List<ChartSpec> charts = new ArrayList<>();
    /** Run id -> the stage whose section drew its curves (speed reuses full-data's run: drawn once). */
    private final Map<String, String> drawnIn = new HashMap<>();

    private PageBuilder(Map<String, StageArtifacts> artifacts, Leaderboard board) {
        this.artifacts = artifacts == null ? Map.of() : artifacts;
        this.board = board;
        this.classNames = classNames(this.artifacts);
    }

    static Built build(Report report, Map<String, StageArtifacts> artifacts, Leaderboard leaderboard) {
        PageBuilder b = new PageBuilder(artifacts, leaderboard);
        List<ReportPage.Stage> stages = report.stages().stream().map(b::stage).toList();
        String created = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochMilli(report.createdAtMs()));
        ReportPage.Layers layers = report.layers() == null ? null : b.layers(report.layers());
        String stoppedBy = report.notReached().isEmpty() || report.stages().isEmpty() ? null
                : report.stages().get(report.stages().size() - 1).name();
        return new Built(new ReportPage.Page(report.dataset(), report.model(), report.verdict().name(), created, stages,
                b.charts.size(), layers, report.notReached(), stoppedBy), List.copyOf(b.charts));
    }

    /** Most tensors drawn as curves; the table lists them all (ResNet50 has 161). */
    private static final int MAX_LAYER_CURVES = 40;

    /**
     * The per-layer section: the table of every trainable tensor, and their update/weight ratios over the run's steps
     * (log axis: they span decades) when the stage kept that run's history.
     */
    private ReportPage.Layers layers(dev.preflight.recipe.LayerReport l) {
        List<ReportPage.LayerRow> rows = l.params().stream().map(p -> new ReportPage.LayerRow(p.name(), p.layer(),
                measured(p.gradNormMean()), measured(p.gradNormLast()), measured(p.updateRatioMedian()), measured(p.updateRatioLast()),
                p.moved())).toList();
        StageArtifacts a = artifacts.get(l.stage());
        List<TrainStep> train = a == null ? List.of() : a.runs().stream().filter(r -> r.runId().equals(l.runId())).findFirst()
                .map(r -> r.history().train()).orElse(List.of());
        List<ChartSpec.Line> series = new ArrayList<>();
        List<dev.preflight.recipe.LayerReport.Param> drawn = l.params().stream().limit(MAX_LAYER_CURVES).toList();
        for (int i = 0; i < drawn.size(); i++) {
            String name = drawn.get(i).name();
            List<TrainStep> withIt = train.stream().filter(t -> t.updateRatios() != null && t.updateRatios().containsKey(name)).toList();
            series.add(new ChartSpec.Line(name, RunRoles.hsl((i * 137) % 360, 0.65, 0.45), false, false, false,
                    points(withIt, TrainStep::step, t -> t.updateRatios().get(name))));
        }
        series.removeIf(x -> x.data().isEmpty());
        ReportPage.Figure chart = series.isEmpty() ? null : add(new ChartSpec.Lines(nextId(), "step", "|update| / |weights|", true, 0.6, series),
                "update / weight ratio per tensor (" + l.stage() + ")" + (l.params().size() > drawn.size()
                        ? ", the first " + drawn.size() + " of " + l.params().size() : ""),
                "Per step, how far the optimiser moved each tensor relative to its size; about 1e-3 is healthy (Karpathy), far "
                        + "below learns too slowly, far above too fast; a tensor stuck at 0 never moved. " + ZOOM, 420);
        return new ReportPage.Layers(l.stage(), l.runId(), l.steps(), rows, l.neverMoved(), chart);
    }

    /**
     * Class names come with the data-service's stats (data-check's artifacts); without them (data-check not run, or
     * a dataset without names) classes go by index.
     */
    static List<String> classNames(Map<String, StageArtifacts> artifacts) {
        for (StageArtifacts a : artifacts.values()) {
            JsonNode names = a == null || a.dataStats() == null ? null : a.dataStats().path("classNames");
            if (names != null && names.isArray() && !names.isEmpty()) {
                List<String> out = new ArrayList<>();
                names.forEach(n -> out.add(n.asText()));
                return out;
            }
        }
        return List.of();
    }

    private String className(int c) {
        return c >= 0 && c < classNames.size() && !classNames.get(c).isBlank() ? classNames.get(c) : String.valueOf(c);
    }

    private List<String> classLabels(int n) {
        List<String> out = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            out.add(className(c));
        }
        return out;
    }

    private ReportPage.Stage stage(StageResult s) {
        StageArtifacts a = artifacts.get(s.name());
        List<RunWatcher.Finished> runs = a == null ? List.of() : a.runs();
        List<RunRoles.Role> roles = RunRoles.of(s, runs, board, a == null ? Map.of() : a.roles());
        List<ReportPage.Field> evidence = new ArrayList<>();
        s.evidence().forEach((k, v) -> evidence.add(new ReportPage.Field(k, Fmt.num(v))));
        List<ReportPage.Run> runList = new ArrayList<>();
        RunRoles.describe(s, roles, board).forEach((id, role) -> runList.add(new ReportPage.Run(id, role)));

        List<ReportPage.Figure> data = new ArrayList<>();
        ReportPage.FeatureTable features = null;
        if (a != null && a.dataStats() != null) {
            histogram(a.dataStats(), data);
            features = features(a.dataStats(), data);
        }
        ReportPage.Leaderboard leaderboard = s.name().equals(Ablations.NAME) && board != null ? leaderboard() : null;
        List<ReportPage.Figure> curves = new ArrayList<>();
        ReportPage.Dynamics dynamics = null;
        // A run drawn in an earlier section (speed reuses full-data's) is not drawn again; its timing is speed's topic.
        String shownIn = runs.isEmpty() ? null : drawnIn.get(runs.get(0).runId());
        if (!runs.isEmpty()) {
            RunWatcher.Finished main = runs.get(0);
            if (shownIn == null) {
                losses(s, runs, roles, curves);
            }
            if (shownIn == null) {
                critic(s.name(), main, roles.get(0), curves);
            }
            if (s.name().equals(SpeedCheck.NAME) || s.name().equals(FullData.NAME) && !artifacts.containsKey(SpeedCheck.NAME)) {
                timing(s.name(), main, roles.get(0), curves);
            }
            if (shownIn == null) {
                // Of the stage's first run: the model's (full-data), the first completed trial's (ablations).
                String of = roles.get(0).role() == null ? "" : " (" + roles.get(0).role() + ")";
                main.history().val().stream().filter(v -> v.confusion() != null).reduce((x, y) -> y)
                        .ifPresent(v -> confusion(v, of, curves));
                dynamics = dynamics(main.history().val(), of);
            }
            runs.forEach(r -> drawnIn.putIfAbsent(r.runId(), s.name()));
        }
        List<ReportPage.Preview> previews = new ArrayList<>();
        if (a != null) {
            a.previews().forEach((name, png) -> previews.add(new ReportPage.Preview(name,
                    "data:image/png;base64," + Base64.getEncoder().encodeToString(png))));
        }
        List<ReportPage.GalleryView> galleries = a == null ? List.of() : a.galleries().stream().map(PageBuilder::gallery).toList();
        return new ReportPage.Stage(s.name(), s.verdict().name(), s.summary(), evidence, s.findings(), runList, data, features,
                leaderboard, curves, shownIn, dynamics, previews, galleries);
    }

    /** A gallery as rows: images as thumbnails, tables as their stored values. */
    static ReportPage.GalleryView gallery(dev.preflight.recipe.Gallery g) {
        List<ReportPage.GalleryRow> rows = new ArrayList<>();
        int rank = 1;
        for (dev.preflight.recipe.Gallery.Sample x : g.samples()) {
            List<String> values = new ArrayList<>();
            if (x.values() != null) {
                for (float v : x.values()) {
                    values.add(Fmt.num((double) v));
                }
            }
            rows.add(new ReportPage.GalleryRow(rank++, x.split(), x.index(), name(g.classNames(), x.label()), name(g.classNames(), x.predicted()),
                    String.format(java.util.Locale.ROOT, "%.3f", x.probability()), String.format(java.util.Locale.ROOT, "%.3f", x.labelProbability()),
                    String.format(java.util.Locale.ROOT, "%.3f", x.loss()), x.confidentlyWrong(),
                    x.pixels() == null ? null : Thumbnails.dataUri(x.shape(), x.pixels()), values));
        }
        return new ReportPage.GalleryView(g.title(), g.featureNames() == null ? List.of() : g.featureNames(), rows);
    }

    private static String name(List<String> names, int c) {
        return names != null && c >= 0 && c < names.size() ? names.get(c) : String.valueOf(c);
    }

    private String nextId() {
        return "chart-" + charts.size();
    }

    private ReportPage.Figure add(ChartSpec spec, String title, String note, int height) {
        charts.add(spec);
        return new ReportPage.Figure(spec.id(), title, note, height);
    }

    /** Train loss every step and val loss at every validated step, per run; the zero-input control where measured. */
    private void losses(StageResult stage, List<RunWatcher.Finished> runs, List<RunRoles.Role> roles, List<ReportPage.Figure> out) {
        if (runs.stream().allMatch(r -> r.history().train().size() < MIN_CURVE_STEPS)) {
            initialLosses(stage, runs, roles, out);
            return;
        }
        List<ChartSpec.Line> series = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            RunRoles.Role r = roles.get(i);
            List<TrainStep> train = runs.get(i).history().train();
            List<ValStep> val = runs.get(i).history().val();
            series.add(new ChartSpec.Line(r.legend(stage.name(), "train"), r.trainColour(), false, false, r.killed(),
                    points(train, TrainStep::step, TrainStep::loss)));
            series.add(new ChartSpec.Line(r.legend(stage.name(), "val"), r.valColour(), true, false, r.killed(),
                    points(val, ValStep::step, ValStep::valLoss), earlyStopMarks(runs.get(i))));
            List<ValStep> control = val.stream().filter(v -> v.zeroInputLoss() != null).toList();
            series.add(new ChartSpec.Line(r.legend(stage.name(), "zero-input control"), r.valColour(), false, true, r.killed(),
                    points(control, ValStep::step, ValStep::zeroInputLoss)));
        }
        series.removeIf(l -> l.data().isEmpty());
        if (!series.isEmpty()) {
            out.add(add(new ChartSpec.Lines(nextId(), "step", "loss", spansDecades(series), 0.6, series), "loss per step",
                    "train: every batch (solid); val: every validated step (dashed, darker, the colour of its run's train); "
                            + "zero-input control: the same val batch with every input set to 0 (diamonds); dotted vertical "
                            + "lines: where early stopping stopped a run and its best step, whose weights it exported. " + ZOOM, 400));
        }
    }

    /**
     * An adversarial run's second player per step: the critic's Wasserstein estimate and its loss, with the generator's
     * adversarial loss (its L1 is the loss chart's train curve). Nothing for a run without a critic.
     */
    private void critic(String stage, RunWatcher.Finished run, RunRoles.Role role, List<ReportPage.Figure> out) {
        List<TrainStep> train = run.history().train().stream().filter(t -> t.critic() != null).toList();
        if (train.isEmpty()) {
            return;
        }
        List<ChartSpec.Line> series = List.of(
                new ChartSpec.Line(role.legend(stage, "critic's Wasserstein estimate"), RunRoles.hsl(350, 0.7, 0.45), false, false, false,
                        points(train, TrainStep::step, t -> t.critic().wassersteinEstimate())),
                new ChartSpec.Line(role.legend(stage, "critic loss"), RunRoles.hsl(350, 0.4, 0.7), true, false, false,
                        points(train, TrainStep::step, t -> t.critic().criticLoss())),
                new ChartSpec.Line(role.legend(stage, "generator adversarial loss"), RunRoles.hsl(212, 0.7, 0.42), false, false, false,
                        points(train, TrainStep::step, t -> t.critic().generatorAdversarialLoss())));
        out.add(add(new ChartSpec.Lines(nextId(), "step", "score", false, 0.6, series), "both players per step",
                "critic's Wasserstein estimate: mean D(real pair) - mean D(generated pair) after the step's critic updates; it "
                        + "should rise while the critic learns, then shrink as the generator catches up. Critic loss: its negation at "
                        + "the last update. Generator adversarial loss: -mean D(generated pair) before the generator's update; its level is "
                        + "arbitrary for a Wasserstein critic (only the gap between real and generated scores means something), and "
                        + "it swings as the two players take turns. " + ZOOM, 320));
    }

    /** Where early stopping stopped the run and the step whose weights it exported; null without early stopping. */
    static List<ChartSpec.Mark> earlyStopMarks(RunWatcher.Finished run) {
        List<ChartSpec.Mark> marks = new ArrayList<>();
        if (run.stoppedEarlyAt() != null) {
            marks.add(new ChartSpec.Mark(run.stoppedEarlyAt(), "stopped early at " + run.stoppedEarlyAt()));
        }
        if (run.bestStep() != null) {
            marks.add(new ChartSpec.Mark(run.bestStep(), "best " + run.bestStep() + " (exported)"));
        }
        return marks.isEmpty() ? null : marks;
    }

    /**
     * A run of a step or two (init-check) has no curve to draw: its losses at the start side by side instead, with the
     * loss the stage expected ({@code expected_loss} in its evidence: -ln(1/C) for C balanced classes, the loss of
     * predicting the mean target for regression).
     */
    private void initialLosses(StageResult stage, List<RunWatcher.Finished> runs, List<RunRoles.Role> roles, List<ReportPage.Figure> out) {
        List<String> labels = new ArrayList<>();
        List<Number> values = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            RunRoles.Role r = roles.get(i);
            List<TrainStep> train = runs.get(i).history().train();
            train.stream().findFirst().ifPresent(t -> {
                labels.add(r.legend(stage.name(), "train, step " + t.step()));
                values.add(Fmt.round(t.loss()));
            });
            for (ValStep v : runs.get(i).history().val()) {
                labels.add(r.legend(stage.name(), "val, step " + v.step()));
                values.add(Fmt.round(v.valLoss()));
                if (v.zeroInputLoss() != null) {
                    labels.add(r.legend(stage.name(), "zero-input control, step " + v.step()));
                    values.add(Fmt.round(v.zeroInputLoss()));
                }
            }
        }
        Double expected = stage.evidence().get("expected_loss");
        if (expected != null && Double.isFinite(expected)) {
            // Regression (paired data) expects the loss of predicting the mean target; its evidence names no classes.
            labels.add(stage.evidence().containsKey("classes") ? "expected at init: −ln(1/classes)"
                    : "expected at init: predicting the mean target");
            values.add(Fmt.round(expected));
        }
        if (!values.isEmpty()) {
            out.add(add(new ChartSpec.Bars(nextId(), "loss", labels, values), "loss at initialisation",
                    "A well-initialised classifier starts near −ln(1/classes), a regressor near the loss of predicting the "
                            + "mean target; the zero-input control is the same val batch with every input set to 0.", Math.min(600, 30 * labels.size() + 70)));
        }
    }

    /** "Data wait vs compute": a trainer starved by its input shows wait comparable to compute. */
    private void timing(String stage, RunWatcher.Finished run, RunRoles.Role role, List<ReportPage.Figure> out) {
        List<TrainStep> train = run.history().train();
        if (train.isEmpty()) {
            return;
        }
        List<ChartSpec.Line> series = List.of(
                new ChartSpec.Line(role.legend(stage, "data wait"), RunRoles.hsl(28, 0.85, 0.5), false, false, false,
                        points(train, TrainStep::step, t -> 1000 * t.dataWaitSeconds())),
                new ChartSpec.Line(role.legend(stage, "compute"), RunRoles.hsl(212, 0.7, 0.42), false, false, false,
                        points(train, TrainStep::step, t -> 1000 * t.computeSeconds())));
        out.add(add(new ChartSpec.Lines(nextId(), "step", "ms", spansDecades(series), 0, series), "data wait vs compute per step (ms)",
                "data wait: time blocked waiting for the batch; compute: forward, backward and update. " + ZOOM, 320));
    }

    private void confusion(ValStep v, String of, List<ReportPage.Figure> out) {
        int n = v.confusion().length;
        int height = Math.max(280, Math.min(900, 34 * n + 130));
        out.add(add(new ChartSpec.Confusion(nextId(), classLabels(n), v.confusion()),
                "confusion matrix" + of + " at step " + v.step() + ", rows: true class, columns: predicted",
                "Cells show counts; the shade is the share of the true class's samples (recall along the diagonal).", height));
    }

    /** Karpathy: "visualize prediction dynamics on a fixed test batch during the course of training". */
    private ReportPage.Dynamics dynamics(List<ValStep> val, String of) {
        List<ValStep> fixed = val.stream().filter(v -> v.fixedBatchPredictions() != null && v.fixedBatchLabels() != null).toList();
        if (fixed.isEmpty() || fixed.get(0).fixedBatchLabels().length > MAX_DYNAMICS_SAMPLES) {
            return null;
        }
        int[] labels = fixed.get(0).fixedBatchLabels();
        List<ReportPage.DynamicsRow> rows = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            List<ReportPage.Prediction> predictions = new ArrayList<>();
            for (ValStep v : fixed) {
                int[] p = v.fixedBatchPredictions();
                predictions.add(i < p.length ? new ReportPage.Prediction(className(p[i]), p[i] == labels[i]) : new ReportPage.Prediction("–", false));
            }
            rows.add(new ReportPage.DynamicsRow(i, className(labels[i]), predictions));
        }
        return new ReportPage.Dynamics(of, fixed.stream().map(ValStep::step).toList(), rows);
    }

    private void histogram(JsonNode stats, List<ReportPage.Figure> out) {
        JsonNode hist = stats.path("classHistogram");
        int n = hist.size();
        if (n == 0 || n > MAX_HISTOGRAM_CLASSES) {
            return;
        }
        List<Number> counts = new ArrayList<>();
        hist.forEach(c -> counts.add(c.asLong()));
        out.add(add(new ChartSpec.Bars(nextId(), "samples", classLabels(n), counts), "class histogram",
                "Samples per class (mask pixels per class for segmentation); an empty class is red.", Math.min(900, 24 * n + 70)));
    }

    private ReportPage.FeatureTable features(JsonNode stats, List<ReportPage.Figure> out) {
        JsonNode features = stats.path("features");
        if (!features.isArray() || features.isEmpty()) {
            return null;
        }
        List<ChartSpec.Feature> specs = new ArrayList<>();
        List<ReportPage.FeatureRow> rows = new ArrayList<>();
        for (JsonNode f : features) {
            specs.add(new ChartSpec.Feature(f.path("name").asText(), json(f.path("min")), json(f.path("max")), json(f.path("mean")),
                    json(f.path("std")), f.path("missing").asInt()));
            rows.add(new ReportPage.FeatureRow(f.path("name").asText(), text(f.path("min")), text(f.path("max")), text(f.path("mean")),
                    text(f.path("std")), f.path("missing").asInt()));
        }
        String scaling = stats.path("featureScaling").asText("none");
        out.add(add(new ChartSpec.Ranges(nextId(), specs), "feature ranges, in standard deviations from each feature's mean",
                "Box: mean ± 1 sd; whiskers: min and max. Far whiskers are outliers or heavy tails; hover for the stored values. "
                        + "Features reach the network after: " + scaling + ".", Math.min(900, 30 * specs.size() + 80)));
        return new ReportPage.FeatureTable(scaling, rows);
    }

    private ReportPage.Leaderboard leaderboard() {
        List<ReportPage.LeaderRow> rows = new ArrayList<>();
        List<ChartSpec.Band> bands = new ArrayList<>();
        int rank = 1;
        for (Ablations.SeedBand b : board.bands()) {
            String config = Fmt.config(b.trial().values());
            String loss = Fmt.pm(b.meanLoss(), b.sdLoss());
            String accuracy = Fmt.pm(b.meanAccuracy(), b.sdAccuracy());
            rows.add(new ReportPage.LeaderRow(rank, b.trial().index(), config, loss, accuracy, String.join(", ", b.runIds())));
            List<Double> seeds = new ArrayList<>();
            for (double l : b.valLosses()) {
                seeds.add(Fmt.round(l));
            }
            bands.add(new ChartSpec.Band("#" + rank + " trial " + b.trial().index(), config, Fmt.round(b.meanLoss()),
                    Fmt.round(Double.isNaN(b.sdLoss()) ? 0 : b.sdLoss()), seeds, loss, accuracy));
            rank++;
        }
        List<ReportPage.Killed> killed = new ArrayList<>();
        board.killed().forEach((t, why) -> killed.add(new ReportPage.Killed(t.index(), Fmt.config(t.values()), why)));
        ReportPage.Figure chart = bands.isEmpty() ? null : add(new ChartSpec.Bands(nextId(), bands),
                "final val loss over seeds (lower is better)",
                "Box: mean ± sd over seeds; dots: each seed. Boxes that overlap are within seed noise: the difference is noise, not a finding.",
                Math.min(700, 46 * bands.size() + 90));
        return new ReportPage.Leaderboard(rows, chart, killed);
    }

    /** A log axis where the curves span more than a decade (a memorising model); linear where they do not. */
    private static boolean spansDecades(List<ChartSpec.Line> series) {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (ChartSpec.Line l : series) {
            for (Number[] p : l.data()) {
                if (p[1] != null && p[1].doubleValue() > 0) {
                    min = Math.min(min, p[1].doubleValue());
                    max = Math.max(max, p[1].doubleValue());
                }
            }
        }
        return max / min > 10;
    }

    private static <T> List<Number[]> points(List<T> steps, Function<T, Integer> x, ToDoubleFunction<T> y) {
        List<Number[]> out = new ArrayList<>(steps.size());
        for (T s : steps) {
            out.add(new Number[]{x.apply(s), Fmt.round(y.applyAsDouble(s))});
        }
        return out;
    }

    /** NaN here means "not measured" (a trainer that published no per-tensor gradient norms): an en dash. */
    private static String measured(double v) {
        return Fmt.num(Double.isNaN(v) ? null : v);
    }

    private static Double json(JsonNode v) {
        return v.isNumber() ? Fmt.round(v.asDouble()) : null;
    }

    private static String text(JsonNode v) {
        return v.isNumber() ? Fmt.num(v.asDouble()) : "–";
    }
}
