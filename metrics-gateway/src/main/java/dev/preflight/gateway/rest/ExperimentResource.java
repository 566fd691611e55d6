package dev.preflight.gateway.rest;

import dev.preflight.rest.Mutating;
import dev.preflight.gateway.model.ErrorResponse;
import dev.preflight.gateway.model.ExperimentRecord;
import dev.preflight.gateway.model.ExperimentRequest;
import dev.preflight.gateway.model.ExperimentState;
import dev.preflight.gateway.service.ExperimentService;
import dev.preflight.ladder.LadderOptions;
import dev.preflight.recipe.Ensemble;
import dev.preflight.recipe.StageResult;
import dev.preflight.recipe.Verdict;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.WireFormatException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import java.net.URI;
import java.util.List;

/** The recipe's ladder as a REST resource: start an experiment, follow its stages, fetch report.json and report.html. */
@Path("/api/experiments")
@Produces(MediaType.APPLICATION_JSON)
public class ExperimentResource {

    /**
     * What an experiment looks like from outside.
     *
     * @param stage RUNNING: the stage being climbed; INTERRUPTED: the stage it was in when its gateway stopped
     */
    public record ExperimentView(String experimentId, String state, String stage, Verdict verdict, List<StageResult> stages,
                                 String error) {
        static ExperimentView of(ExperimentRecord e) {
            Verdict v = e.report() != null ? e.report().verdict() : null;
            return new ExperimentView(e.experimentId(), e.state().name(), e.stage(), v, e.stages(), e.error());
        }
    }

    private final ExperimentService experiments;

    public ExperimentResource(ExperimentService experiments) {
        this.experiments = experiments;
    }

    @POST
    @Mutating
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start an experiment", description = "Climbs the recipe's ladder (data-check, init-check, "
            + "overfit-one-sample, overfit-few-samples, full-data, speed, ablations) on a dataset and model. A FAIL stops it. "
            + "Optional as in the CLI: patience (early stopping of the full-data run and the ablation trials, validated steps in "
            + "[0, " + RunSpec.MAX_STEPS + "], 0 = off, default " + LadderOptions.DEFAULT_PATIENCE + ") and ensembleTop (how many of the "
            + "best ablation trials the opt-in ensemble stage averages, >= " + Ensemble.MIN_TOP_K + ", default " + Ensemble.DEFAULT_TOP_K + ").")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ExperimentRequest.class)))
    @APIResponse(responseCode = "202", description = "Started; follow it at the Location")
    @APIResponse(responseCode = "400", description = "Invalid request; every problem named, a value out of range with its field and the allowed range",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "401", description = "No or wrong API key (X-API-Key header or HTTP Basic password)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    public Response start(byte[] body) {
        ExperimentRequest request;
        try {
            request = Json.decode(body, ExperimentRequest.class);
        } catch (WireFormatException e) {
            return Response.status(Response.Status.BAD_REQUEST).entity(new ErrorResponse("invalid experiment: " + e.describe())).build();
        }
        List<String> problems = experiments.problems(request);
        if (!problems.isEmpty()) {
            return Response.status(Response.Status.BAD_REQUEST).entity(new ErrorResponse("invalid experiment", problems)).build();
        }
        ExperimentRecord e = experiments.start(request);
        return Response.accepted(ExperimentView.of(e)).location(URI.create("/api/experiments/" + e.experimentId())).build();
    }

    @GET
    @Operation(summary = "All experiments, newest first, including those of earlier gateway processes (rebuilt from Kafka)")
    public List<ExperimentView> list() {
        return experiments.all().stream().map(ExperimentView::of).toList();
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "An experiment: state (RUNNING, DONE, ERROR, INTERRUPTED), the stage being climbed (or interrupted), "
            + "the stages judged so far, the overall verdict when done")
    @APIResponse(responseCode = "404", description = "Unknown experiment")
    public ExperimentView get(@PathParam("id") String id) {
        return ExperimentView.of(find(id));
    }

    @GET
    @Path("/{id}/report.json")
    @Operation(summary = "report.json of a finished experiment")
    @APIResponse(responseCode = "409", description = "Still running, or it could not run")
    public Object report(@PathParam("id") String id) {
        return done(find(id)).report();
    }

    @GET
    @Path("/{id}/report.html")
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "report.html of a finished experiment: curves, confusion matrix, prediction dynamics, leaderboard")
    public String html(@PathParam("id") String id) {
        return done(find(id)).html();
    }

    private ExperimentRecord find(String id) {
        return experiments.get(id).orElseThrow(() -> new ApiException(Response.Status.NOT_FOUND, "experiment '" + id + "' is unknown"));
    }

    private static ExperimentRecord done(ExperimentRecord e) {
        if (e.state() != ExperimentState.DONE) {
            throw new ApiException(Response.Status.CONFLICT, "experiment " + e.experimentId() + " is " + e.state()
                    + (e.error() != null ? ": " + e.error() : ""));
        }
        return e;
    }
}
