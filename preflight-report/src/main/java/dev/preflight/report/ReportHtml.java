package dev.preflight.report;

import dev.preflight.ladder.Leaderboard;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.StageArtifacts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.StageResult;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * report.html: one self-contained page (inline SVG and data: images, no scripts, no network) with, per stage, its
 * verdict and evidence, the train/val loss curves, and where they exist the confusion matrix, the prediction dynamics
 * on the fixed val batch, the preview grids and the data-wait vs compute chart.
 */
public final class ReportHtml {

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

    private ReportHtml() {
    }

    public static Path write(Report report, Map<String, StageArtifacts> artifacts, Leaderboard leaderboard, Path dir) {
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve("report.html").toAbsolutePath();
            Path tmp = Files.createTempFile(dir, "report", ".html.tmp");
            Files.writeString(tmp, render(report, artifacts, leaderboard), StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            ReportWriter.readableByAll(target);
            return target;
        } catch (IOException e) {
            throw new IllegalStateException("cannot write report.html to " + dir + ": " + e.getMessage(), e);
        }
    }

    public static String render(Report report, Map<String, StageArtifacts> artifacts, Leaderboard leaderboard) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Preflight report: ").append(esc(report.dataset()))
                .append("</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}"
                        + ".PASS{color:#fff;background:#2e7d32}.WARN{color:#000;background:#f9a825}.FAIL{color:#fff;background:#c62828}"
                        + ".v{padding:2px 8px;border-radius:3px;font-weight:bold}section{margin:2em 0;border-top:1px solid #ddd}"
                        + "svg{background:#fafafa;margin:4px}</style></head><body>");
        h.append("<h1>Preflight report</h1><p>Dataset <b>").append(esc(report.dataset())).append("</b>, model <b>")
                .append(esc(report.model())).append("</b>; overall <span class=\"v ").append(report.verdict()).append("\">")
                .append(report.verdict()).append("</span></p>");
        h.append("<table><tr><th>stage</th><th>verdict</th><th>summary</th></tr>");
        for (StageResult s : report.stages()) {
            h.append("<tr><td><a href=\"#").append(s.name()).append("\">").append(s.name()).append("</a></td><td><span class=\"v ")
                    .append(s.verdict()).append("\">").append(s.verdict()).append("</span></td><td>").append(esc(s.summary())).append("</td></tr>");
        }
        h.append("</table>");
        for (StageResult s : report.stages()) {
            h.append("<section id=\"").append(s.name()).append("\"><h2>").append(s.name()).append(" <span class=\"v ")
                    .append(s.verdict()).append("\">").append(s.verdict()).append("</span></h2><p>").append(esc(s.summary())).append("</p>");
            h.append("<table><tr>");
            s.evidence().forEach((k, v) -> h.append("<th>").append(esc(k)).append("</th>"));
            h.append("</tr><tr>");
            s.evidence().forEach((k, v) -> h.append("<td>").append(v == null ? "-" : num(v)).append("</td>"));
            h.append("</tr></table>");
            if (!s.findings().isEmpty()) {
                h.append("<ul class=\"findings\">");
                s.findings().forEach(f -> h.append("<li>").append(esc(f)).append("</li>"));
                h.append("</ul>");
            }
            if (!s.runIds().isEmpty()) {
                h.append("<p>runs: ").append(esc(String.join(", ", s.runIds()))).append("</p>");
            }
            if (s.name().equals(Ablations.NAME) && leaderboard != null) {
                leaderboard(h, leaderboard);
            }
            StageArtifacts a = artifacts.get(s.name());
            if (a != null && a.dataStats() != null) {
                dataFacts(h, a.dataStats());
            }
            if (a != null) {
                stageCharts(h, s.name(), a);
            }
            h.append("</section>");
        }
        return h.append("</body></html>").toString();
    }

    private static void stageCharts(StringBuilder h, String stage, StageArtifacts a) {
        Map<String, double[][]> losses = new LinkedHashMap<>();
        for (RunWatcher.Finished run : a.runs()) {
            List<TrainStep> train = run.history().train();
            List<ValStep> val = run.history().val().stream().filter(v -> v.step() > 0).toList();
            losses.put(run.runId() + " train", xy(train.stream().mapToDouble(TrainStep::step).toArray(), train.stream().mapToDouble(TrainStep::loss).toArray()));
            losses.put(run.runId() + " val", xy(val.stream().mapToDouble(ValStep::step).toArray(), val.stream().mapToDouble(ValStep::valLoss).toArray()));
        }
        if (a.runs().isEmpty()) {
            previews(h, a);
            return;
        }
        h.append(lineChart("loss per step (train every batch, val every validated iteration)", "step", losses, true));
        RunWatcher.Finished main = a.runs().get(0);
        List<TrainStep> train = main.history().train();
        if (stage.equals("speed") || stage.equals("full-data")) {
            Map<String, double[][]> time = new LinkedHashMap<>();
            double[] steps = train.stream().mapToDouble(TrainStep::step).toArray();
            time.put("data wait (ms)", xy(steps, train.stream().mapToDouble(t -> 1000 * t.dataWaitSeconds()).toArray()));
            time.put("compute (ms)", xy(steps, train.stream().mapToDouble(t -> 1000 * t.computeSeconds()).toArray()));
            h.append(lineChart("data wait vs compute per step", "step", time, false));
        }
        List<ValStep> val = main.history().val();
        val.stream().filter(v -> v.confusion() != null).reduce((x, y) -> y).ifPresent(v -> confusion(h, v));
        dynamics(h, val);
        previews(h, a);
    }

    /** Data-check: the class histogram as a bar chart with class names, and per-feature ranges of tabular data. */
    private static void dataFacts(StringBuilder h, JsonNode stats) {
        JsonNode hist = stats.path("classHistogram");
        JsonNode names = stats.path("classNames");
        int n = hist.size();
        if (n > 0 && n <= 300) {
            long max = 1;
            for (JsonNode c : hist) {
                max = Math.max(max, c.asLong());
            }
            int barH = 16;
            int labelW = 140;
            int chartW = 360;
            h.append("<h3>class histogram (samples; mask pixels for segmentation; red: empty)</h3><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                    .append(labelW + chartW + 90).append("\" height=\"").append(n * barH + 6).append("\">");
            for (int c = 0; c < n; c++) {
                long v = hist.get(c).asLong();
                int w = (int) Math.round(chartW * (double) v / max);
                int y = 3 + c * barH;
                String name = names.size() > c ? names.get(c).asText() : String.valueOf(c);
                h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>",
                        labelW - 4, y + 11, esc(name.length() > 22 ? name.substring(0, 21) + "…" : name)));
                h.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s: %d</title></rect>",
                        labelW, y, Math.max(v > 0 ? 1 : 0, w), barH - 3, v == 0 ? "#c62828" : "#1f77b4", esc(name), v));
                h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\"%s>%d</text>",
                        labelW + w + 4, y + 11, v == 0 ? " fill=\"#c62828\"" : "", v));
            }
            h.append("</svg>");
        }
        JsonNode features = stats.path("features");
        if (features.isArray() && !features.isEmpty()) {
            h.append("<h3>features as stored (").append(esc(stats.path("featureScaling").asText("none")))
                    .append(" before the network)</h3><table><tr><th>feature</th><th>min</th><th>max</th><th>mean</th><th>std</th><th>missing</th></tr>");
            for (JsonNode f : features) {
                h.append("<tr><td>").append(esc(f.path("name").asText())).append("</td>");
                for (String k : List.of("min", "max", "mean", "std")) {
                    JsonNode v = f.path(k);
                    h.append("<td>").append(v.isNumber() ? num(v.asDouble()) : "-").append("</td>");
                }
                h.append("<td>").append(f.path("missing").asInt()).append("</td></tr>");
            }
            h.append("</table>");
        }
    }

    private static void previews(StringBuilder h, StageArtifacts a) {
        a.previews().forEach((name, png) -> h.append("<figure style=\"display:inline-block\"><img alt=\"").append(esc(name))
                .append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(png))
                .append("\"><figcaption>").append(esc(name)).append("</figcaption></figure>"));
    }

    /** Leaderboard with seed bands: mean ± sd over seeds, so a gap smaller than the noise reads as noise. */
    private static void leaderboard(StringBuilder h, Leaderboard l) {
        h.append("<h3>leaderboard (mean ± sd over seeds; lower val loss is better)</h3><table><tr><th>rank</th><th>trial</th>"
                + "<th>configuration</th><th>val loss</th><th>val accuracy</th><th>band</th><th>runs</th></tr>");
        double max = l.bands().stream().mapToDouble(b -> b.meanLoss() + (Double.isNaN(b.sdLoss()) ? 0 : b.sdLoss())).max().orElse(1);
        int rank = 1;
        for (Ablations.SeedBand b : l.bands()) {
            double sd = Double.isNaN(b.sdLoss()) ? 0 : b.sdLoss();
            int x0 = (int) (300 * Math.max(0, b.meanLoss() - sd) / max);
            int x1 = (int) (300 * (b.meanLoss() + sd) / max);
            int xm = (int) (300 * b.meanLoss() / max);
            h.append("<tr><td>").append(rank++).append("</td><td>").append(b.trial().index()).append("</td><td>")
                    .append(esc(b.trial().describe())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.4f ± %.4f", b.meanLoss(), sd)).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.3f ± %.3f", b.meanAccuracy(), Double.isNaN(b.sdAccuracy()) ? 0 : b.sdAccuracy()))
                    .append("</td><td><svg width=\"310\" height=\"14\"><rect x=\"").append(x0).append("\" y=\"3\" width=\"")
                    .append(Math.max(1, x1 - x0)).append("\" height=\"8\" fill=\"#90caf9\"/><line x1=\"").append(xm).append("\" x2=\"")
                    .append(xm).append("\" y1=\"0\" y2=\"14\" stroke=\"#0d47a1\"/></svg></td><td>").append(esc(String.join(", ", b.runIds())))
                    .append("</td></tr>");
        }
        h.append("</table>");
        if (!l.killed().isEmpty()) {
            h.append("<h3>killed early</h3><table><tr><th>trial</th><th>configuration</th><th>why</th></tr>");
            l.killed().forEach((t, why) -> h.append("<tr><td>").append(t.index()).append("</td><td>").append(esc(t.describe()))
                    .append("</td><td>").append(esc(why)).append("</td></tr>"));
            h.append("</table>");
        }
    }

    private static void confusion(StringBuilder h, ValStep v) {
        int[][] m = v.confusion();
        int max = 1;
        for (int[] row : m) {
            for (int c : row) {
                max = Math.max(max, c);
            }
        }
        h.append("<h3>confusion matrix at step ").append(v.step()).append(" (rows: true class, columns: predicted)</h3><table><tr><th></th>");
        for (int c = 0; c < m.length; c++) {
            h.append("<th>").append(c).append("</th>");
        }
        h.append("</tr>");
        for (int r = 0; r < m.length; r++) {
            h.append("<tr><th>").append(r).append("</th>");
            for (int c = 0; c < m[r].length; c++) {
                int shade = 255 - (int) (200.0 * m[r][c] / max);
                h.append("<td style=\"background:rgb(").append(shade).append(',').append(shade).append(",255)\">").append(m[r][c]).append("</td>");
            }
            h.append("</tr>");
        }
        h.append("</table>");
    }

    /** Karpathy: "visualize prediction dynamics on a fixed test batch during the course of training". */
    private static void dynamics(StringBuilder h, List<ValStep> val) {
        List<ValStep> fixed = val.stream().filter(v -> v.fixedBatchPredictions() != null && v.fixedBatchLabels() != null).toList();
        if (fixed.isEmpty() || fixed.get(0).fixedBatchLabels().length > 64) {
            return;
        }
        int[] labels = fixed.get(0).fixedBatchLabels();
        h.append("<h3>prediction dynamics on the fixed val batch (green: right)</h3><table><tr><th>sample (label)</th>");
        for (ValStep v : fixed) {
            h.append("<th>").append(v.step()).append("</th>");
        }
        h.append("</tr>");
        for (int i = 0; i < labels.length; i++) {
            h.append("<tr><th>").append(i).append(" (").append(labels[i]).append(")</th>");
            for (ValStep v : fixed) {
                int p = v.fixedBatchPredictions()[i];
                h.append("<td style=\"background:").append(p == labels[i] ? "#c8e6c9" : "#ffcdd2").append("\">").append(p).append("</td>");
            }
            h.append("</tr>");
        }
        h.append("</table>");
    }

    private static double[][] xy(double[] x, double[] y) {
        return new double[][]{x, y};
    }

    /** An SVG line chart; a log y axis for losses, which span orders of magnitude when a model memorises. */
    static String lineChart(String title, String xLabel, Map<String, double[][]> series, boolean logY) {
        int w = 640;
        int hgt = 260;
        int left = 60;
        int bottom = 30;
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (double[][] s : series.values()) {
            for (int i = 0; i < s[0].length; i++) {
                double y = logY ? Math.log10(Math.max(s[1][i], 1e-8)) : s[1][i];
                if (!Double.isFinite(y)) {
                    continue;
                }
                minX = Math.min(minX, s[0][i]);
                maxX = Math.max(maxX, s[0][i]);
                minY = Math.min(minY, y);
                maxY = Math.max(maxY, y);
            }
        }
        StringBuilder svg = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"")
                .append(hgt + 40).append("\"><text x=\"10\" y=\"16\" font-size=\"13\">").append(esc(title)).append("</text>");
        if (minX > maxX) {
            return svg.append("<text x=\"10\" y=\"40\" font-size=\"12\">no data</text></svg>").toString();
        }
        if (maxY == minY) {
            maxY = minY + 1;
        }
        if (maxX == minX) {
            maxX = minX + 1;
        }
        double sx = (w - left - 10) / (maxX - minX);
        double sy = (hgt - bottom - 20) / (maxY - minY);
        int i = 0;
        List<String> legend = new ArrayList<>();
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            String colour = COLOURS[i++ % COLOURS.length];
            StringBuilder pts = new StringBuilder();
            double[][] s = e.getValue();
            for (int k = 0; k < s[0].length; k++) {
                double y = logY ? Math.log10(Math.max(s[1][k], 1e-8)) : s[1][k];
                if (Double.isFinite(y)) {
                    pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", left + (s[0][k] - minX) * sx, 20 + (hgt - bottom - 20) - (y - minY) * sy));
                }
            }
            svg.append("<polyline fill=\"none\" stroke-width=\"1.2\" stroke=\"").append(colour).append("\" points=\"").append(pts).append("\"/>");
            legend.add("<tspan fill=\"" + colour + "\">■ " + esc(e.getKey()) + "</tspan> ");
        }
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", left, hgt - bottom, w - 10, hgt - bottom));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"20\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", left, left, hgt - bottom));
        svg.append(String.format(Locale.ROOT, "<text x=\"2\" y=\"24\" font-size=\"11\">%s</text><text x=\"2\" y=\"%d\" font-size=\"11\">%s</text>",
                axis(maxY, logY), hgt - bottom, axis(minY, logY)));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s %.0f … %.0f</text>", left, hgt - 12, esc(xLabel), minX, maxX));
        svg.append("<text x=\"").append(left).append("\" y=\"").append(hgt + 20).append("\" font-size=\"11\">").append(String.join("", legend)).append("</text>");
        return svg.append("</svg>").toString();
    }

    private static String axis(double v, boolean log) {
        return log ? String.format(Locale.ROOT, "%.0e", Math.pow(10, v)) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.valueOf((long) v); // counts and sizes read as the integers they are
        }
        return Math.abs(v) >= 1e4 || (v != 0 && Math.abs(v) < 1e-3) ? String.format(Locale.ROOT, "%.3e", v) : String.format(Locale.ROOT, "%.4f", v);
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
