package dev.preflight.report;

import java.util.List;

/**
 * What templates/report.html renders: text already formatted for people (numbers at their precision, class names
 * instead of indices). Charts appear here only as {@link Figure} containers; their data travels in the page's JSON
 * block ({@link ChartSpec}). Public only because the template engine reads it by reflection.
 */
public final class ReportPage {

    private ReportPage() {
    }

    /**
     * @param layers     the per-layer section; null when no run trained long enough to say how its layers move
     * @param notReached stages asked for but not climbed because {@code stoppedBy} FAILed; empty when all ran
     * @param stoppedBy  the stage whose FAIL stopped the ladder; null when none did
     */
    public record Page(String dataset, String model, String verdict, String created, List<Stage> stages, int charts, Layers layers,
                       List<String> notReached, String stoppedBy) {
    }

    /**
     * Per trainable tensor over one run: gradient norm and update/weight ratio (mean, last), and the tensors that
     * never moved.
     *
     * @param chart update/weight ratio per tensor over the steps
     */
    public record Layers(String stage, String runId, int steps, List<LayerRow> rows, List<String> neverMoved, Figure chart) {
    }

    public record LayerRow(String name, String layer, String gradNormMean, String gradNormLast, String updateRatioMedian,
                           String updateRatioLast, boolean moved) {
    }

    /**
     * One stage's section, in the order the template shows its parts.
     *
     * @param data        data-check: class histogram and feature ranges
     * @param features    data-check, tabular data: the feature table under its chart
     * @param leaderboard ablations: the configurations re-run over seeds, best first
     * @param curves      loss curves, data wait vs compute, confusion matrix
     * @param curvesShownIn the earlier stage whose section already shows this stage's run (speed reuses full-data's);
     *                      null when this section shows them
     */
    public record Stage(String name, String verdict, String summary, List<Field> evidence, List<String> findings, List<Run> runs,
                        List<Figure> data, FeatureTable features, Leaderboard leaderboard, List<Figure> curves,
                        String curvesShownIn, Dynamics dynamics, List<Preview> previews, List<GalleryView> galleries) {
    }

    /**
     * Samples with what the model made of them (label-noise).
     *
     * @param features tabular data: the feature names heading the value columns; empty for images
     */
    public record GalleryView(String title, List<String> features, List<GalleryRow> rows) {
    }

    /**
     * @param thumbnail images: a PNG data URI; null for tables
     * @param values    tables: the stored feature values, formatted; empty for images
     */
    public record GalleryRow(int rank, String split, int index, String label, String predicted, String probability,
                             String labelProbability, String loss, boolean confidentlyWrong, String thumbnail, List<String> values) {
    }

    public record Field(String key, String value) {
    }

    /** A run id with what it is in its stage ("logistic baseline", "trial 3 · seed 2"); role null for a stage's only run. */
    public record Run(String id, String role) {
    }

    /** A chart container: report.js draws the {@link ChartSpec} with this id into it. */
    public record Figure(String id, String title, String note, int height) {
    }

    public record FeatureTable(String scaling, List<FeatureRow> rows) {
    }

    public record FeatureRow(String name, String min, String max, String mean, String std, int missing) {
    }

    /** @param bands the chart of the seed bands; null when no configuration completed */
    public record Leaderboard(List<LeaderRow> rows, Figure bands, List<Killed> killed) {
    }

    public record LeaderRow(int rank, int trial, String config, String loss, String accuracy, String runs) {
    }

    public record Killed(int trial, String config, String why) {
    }

    /**
     * Predicted class per fixed val sample (rows) at each validated step (columns).
     *
     * @param of which run, " (trial 0)", where the stage has several; empty otherwise
     */
    public record Dynamics(String of, List<Integer> steps, List<DynamicsRow> rows) {
    }

    public record DynamicsRow(int sample, String label, List<Prediction> predictions) {
    }

    public record Prediction(String name, boolean right) {
    }

    public record Preview(String name, String dataUri) {
    }
}
