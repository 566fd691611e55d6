package dev.preflight.gateway.rest;

import dev.preflight.gateway.model.Comparison;
import dev.preflight.gateway.model.ErrorResponse;
import dev.preflight.gateway.model.Metric;
import dev.preflight.gateway.model.MetricSeries;
import dev.preflight.gateway.service.RunRecord;
import dev.preflight.gateway.service.RunStore;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

@Path("/api/compare")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "runs")
public class CompareResource {

    /** Most runs one comparison may name: an ablation grid, not the whole store in one response. */
    static final int MAX_RUNS = 100;

    private final RunStore store;

    public CompareResource(RunStore store) {
        this.store = store;
    }

    @GET
    @Operation(summary = "Compare a metric across runs",
            description = "The same per-step series as /api/runs/{id}/history?metric=, for several runs at once, in the order named.")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Comparison.class)))
    @APIResponse(responseCode = "400", description = "Unknown or missing metric, no runs, too many runs, or a bad step range",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "404", description = "One or more runs are unknown (all are named)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    public Comparison compare(
            @Parameter(description = "One of train_loss, step_seconds, data_wait_seconds, compute_seconds, samples_per_second, val_loss, val_accuracy, val_f1, critic_wasserstein_estimate, critic_loss, generator_adversarial_loss", required = true)
            @QueryParam("metric") String metric,
            @Parameter(description = "Comma-separated run ids", required = true) @QueryParam("runs") String runs,
            @Parameter(description = "First step to include (inclusive)") @QueryParam("from") String from,
            @Parameter(description = "Last step to include (inclusive)") @QueryParam("to") String to) {
        if (metric == null || metric.isBlank()) {
            throw new ApiException(Response.Status.BAD_REQUEST, "metric is required, one of " + Metric.ids());
        }
        Metric selected = Metric.byId(metric).orElseThrow(() -> new ApiException(Response.Status.BAD_REQUEST,
                "unknown metric '" + metric + "', expected one of " + Metric.ids()));
        Set<String> ids = new LinkedHashSet<>();
        if (runs != null) {
            Arrays.stream(runs.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(ids::add);
        }
        if (ids.isEmpty()) {
            throw new ApiException(Response.Status.BAD_REQUEST, "runs is required: comma-separated run ids");
        }
        if (ids.size() > MAX_RUNS) {
            throw new ApiException(Response.Status.BAD_REQUEST, "at most " + MAX_RUNS + " runs per comparison, got " + ids.size());
        }
        Integer lo = RunResource.step("from", from);
        Integer hi = RunResource.step("to", to);
        if (lo != null && hi != null && lo > hi) {
            throw new ApiException(Response.Status.BAD_REQUEST, "from (" + lo + ") must not be after to (" + hi + ")");
        }
        List<RunRecord> found = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String id : ids) {
            Optional<RunRecord> run = store.find(id);
            run.ifPresentOrElse(found::add, () -> unknown.add(id));
        }
        if (!unknown.isEmpty()) {
            throw new ApiException(Response.Status.NOT_FOUND, "unknown run" + (unknown.size() > 1 ? "s " : " ") + unknown, unknown);
        }
        List<MetricSeries> series = found.stream().map(r -> r.series(selected, lo, hi)).toList();
        return new Comparison(selected.id(), series);
    }
}
