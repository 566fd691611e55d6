package dev.preflight.gateway.model;

import java.util.List;

/** One metric of one run, in ascending step order. */
public record MetricSeries(String runId, String metric, List<Point> points) {

    public record Point(int step, double value) {
    }
}
