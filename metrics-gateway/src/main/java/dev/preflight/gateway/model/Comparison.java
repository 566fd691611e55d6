package dev.preflight.gateway.model;

import java.util.List;

/** One metric across several runs, each series in step order, runs in the order asked for. */
public record Comparison(String metric, List<MetricSeries> series) {
}
