package dev.preflight.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * One chart of report.html as data: the page's JSON block holds a list of these, and report.js turns each into an
 * ECharts option for the container with the same id. Numbers are already rounded (see {@link Fmt#round}); a null y is
 * a gap (a non-finite value).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
sealed interface ChartSpec {

    String id();

    /** What report.js draws: "lines", "bars", "confusion", "ranges", "bands". */
    @JsonProperty("type")
    String type();

    /**
     * Curves over steps: loss, data wait vs compute.
     *
     * @param log       start with a log y axis (losses span orders of magnitude when a model memorises)
     * @param smoothing start value of the EMA smoothing slider (0: raw)
     */
    record Lines(String id, String x, String y, boolean log, double smoothing, List<Line> series) implements ChartSpec {
        @Override
        public String type() {
            return "lines";
        }
    }

    /**
     * One series: a line per run and role, or points (a control measured at a few steps).
     *
     * @param data  [step, value] pairs
     * @param marks steps drawn as labelled vertical lines in the series' colour (early stopping: where the run stopped
     *              and its best step); null: none
     */
    record Line(String name, String colour, boolean dashed, boolean points, boolean muted, List<Number[]> data,
                List<Mark> marks) {
        Line(String name, String colour, boolean dashed, boolean points, boolean muted, List<Number[]> data) {
            this(name, colour, dashed, points, muted, data, null);
        }
    }

    /** A step marked on a curve, with what happened there. */
    record Mark(int step, String label) {
    }

    /** A horizontal bar per category, e.g. samples per class; zero bars in red. */
    record Bars(String id, String x, List<String> labels, List<Number> values) implements ChartSpec {
        @Override
        public String type() {
            return "bars";
        }
    }

    /**
     * A confusion matrix as a heat map, shaded by each row's share (recall), labelled with counts.
     *
     * @param labels class names, true classes down, predicted across
     * @param counts {@code counts[true][predicted]}
     */
    record Confusion(String id, List<String> labels, int[][] counts) implements ChartSpec {
        @Override
        public String type() {
            return "confusion";
        }
    }

    /** Per tabular feature, its stored range and moments. */
    record Ranges(String id, List<Feature> features) implements ChartSpec {
        @Override
        public String type() {
            return "ranges";
        }
    }

    record Feature(String name, Double min, Double max, Double mean, Double std, int missing) {
    }

    /** The ablation leaderboard's configurations: mean ± sd of the final val loss over seeds, and each seed. */
    record Bands(String id, List<Band> bands) implements ChartSpec {
        @Override
        public String type() {
            return "bands";
        }
    }

    record Band(String label, String config, Double mean, Double sd, List<Double> seeds, String loss, String accuracy) {
    }
}
