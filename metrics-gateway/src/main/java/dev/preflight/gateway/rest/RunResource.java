package dev.preflight.gateway.rest;

import dev.preflight.rest.Mutating;
import dev.preflight.gateway.model.ContinueRequest;
import dev.preflight.gateway.model.ErrorResponse;
import dev.preflight.gateway.model.KillRequest;
import dev.preflight.gateway.model.KillResponse;
import dev.preflight.gateway.model.Metric;
import dev.preflight.gateway.model.MetricSeries;
import dev.preflight.gateway.model.RunDetail;
import dev.preflight.gateway.model.RunHistory;
import dev.preflight.gateway.model.RunState;
import dev.preflight.gateway.model.RunSummary;
import dev.preflight.gateway.model.SubmitResponse;
import dev.preflight.gateway.service.RunControlService;
import dev.preflight.gateway.service.RunRecord;
import dev.preflight.gateway.service.RunStore;
import dev.preflight.gateway.service.RunSubmissionService;
import dev.preflight.gateway.service.SpecParser;
import dev.preflight.gateway.service.UploadedWeightsService;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.WireFormatException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.preflight.wire.SamplePredictions;

import java.net.URI;
import java.util.List;

@Path("/api/runs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "runs", description = "Submit training runs and follow their metrics")
public class RunResource {

    /** Longest kill reason accepted: it travels in a Kafka record and ends up in run details and logs. */
    static final int MAX_REASON_LENGTH = 500;
    /** Reason recorded when the caller gives none. */
    static final String DEFAULT_REASON = "killed through the gateway API";

    private final RunStore store;
    private final RunSubmissionService submissions;
    private final RunControlService control;
    private final UploadedWeightsService weights;

    public RunResource(RunStore store, RunSubmissionService submissions, RunControlService control, UploadedWeightsService weights) {
        this.store = store;
        this.submissions = submissions;
        this.control = control;
        this.weights = weights;
    }

    /**
     * The body is taken raw and decoded by the shared strict codec instead of by the REST layer's lenient mapper,
     * so that an unknown or misspelt field is rejected here exactly as the services would reject it, and every
     * problem comes back at once in one 400.
     */
    @POST
    @Mutating
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a run", description = "Validates the spec, publishes it to preflight.runs and answers once Kafka has acknowledged it.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RunSpec.class)))
    @APIResponse(responseCode = "202", description = "Accepted and durable on Kafka; Location points at the run",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SubmitResponse.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON or an invalid spec; every problem names its field. With "
            + "a data-service configured, also what it would refuse: an unknown dataset (the known ones are listed), a subset "
            + "larger than the train split, ...; model.kerasWeights naming an unknown upload, or an upload whose layer weights "
            + "differ from the definition's (the layer and weight named); initFrom naming an unknown run",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "409", description = "initFrom names a run that has not finished (its final weights do not exist yet)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "401", description = "No or wrong API key (X-API-Key header or HTTP Basic password)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "503", description = "Kafka did not acknowledge the run in time, or the data-service could not "
            + "check it (nothing submitted then)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    public Uni<Response> submit(byte[] body) {
        SpecParser.Result parsed = SpecParser.parse(body);
        if (!parsed.valid()) {
            throw new ApiException(Response.Status.BAD_REQUEST, "invalid run spec", parsed.problems());
        }
        checkWarmStart(parsed.spec().initFrom());
        // The upload check may read the weights back from Kafka (a gateway that did not take the upload): off the event loop.
        return Uni.createFrom().item(() -> weights.problems(parsed.spec().model()))
                .runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                .chain(problems -> problems.isEmpty() ? submissions.submit(parsed.spec())
                        : Uni.createFrom().failure(new ApiException(Response.Status.BAD_REQUEST, "invalid run spec", problems)))
                .map(run -> Response
                .accepted(new SubmitResponse(run.runId(), RunState.SUBMITTED))
                .location(URI.create("/api/runs/" + run.runId()))
                .build());
    }

    @GET
    @Operation(summary = "List runs", description = "Every run known to this gateway, newest submission first.")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = RunSummary.class, type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.ARRAY)))
    public List<RunSummary> list() {
        return store.all().stream().map(RunRecord::summary).toList();
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "Run detail", description = "Spec, state and latest metrics of one run.")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RunDetail.class)))
    @APIResponse(responseCode = "404", description = "Unknown run",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    public RunDetail detail(@PathParam("id") String id) {
        return run(id).detail();
    }

    @GET
    @Path("/{id}/history")
    @Operation(summary = "Per-step history",
            description = "Every train and val step of the run in step order, or with ?metric= one series of {step, value} points.")
    @APIResponse(responseCode = "200", description = "RunHistory without metric, MetricSeries with it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(oneOf = {RunHistory.class, MetricSeries.class})))
    @APIResponse(responseCode = "400", description = "Unknown metric, non-integer bound, or from after to",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "404", description = "Unknown run",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    public Object history(
            @PathParam("id") String id,
            @Parameter(description = "One of train_loss, step_seconds, data_wait_seconds, compute_seconds, samples_per_second, val_loss, val_accuracy, val_f1, critic_wasserstein_estimate, critic_loss, generator_adversarial_loss")
            @QueryParam("metric") String metric,
            @Parameter(description = "First step to include (inclusive)") @QueryParam("from") String from,
            @Parameter(description = "Last step to include (inclusive)") @QueryParam("to") String to) {
        // Bounds are parsed here rather than bound as Integer: JAX-RS answers an unparsable query parameter with 404.
        Integer lo = step("from", from);
        Integer hi = step("to", to);
        if (lo != null && hi != null && lo > hi) {
            throw new ApiException(Response.Status.BAD_REQUEST, "from (" + lo + ") must not be after to (" + hi + ")");
        }
        Metric selected = null;
        if (metric != null) {
            selected = Metric.byId(metric).orElseThrow(() -> new ApiException(Response.Status.BAD_REQUEST,
                    "unknown metric '" + metric + "', expected one of " + Metric.ids()));
        }
        RunRecord run = run(id);
        return selected == null ? run.history(lo, hi) : run.series(selected, lo, hi);
    }

    @GET
    @Path("/{id}/predictions")
    @Operation(summary = "Per-sample predictions of the run's final weights over a whole split",
            description = "For runs whose spec names the split in 'predictions': {runId, step, split, total, from: 0, indices "
                    + "(dataset index per sample, split order), labels (given), probabilities (per sample, one per class)}, or "
                    + "{..., error} saying why there are none (not a classification run, data-service unreachable). They arrive "
                    + "after the run's last validation.")
    @APIResponse(responseCode = "200", description = "SamplePredictions JSON")
    @APIResponse(responseCode = "400", description = "split is not train or val",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "404", description = "Unknown run",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "409", description = "Not (yet) there: the spec did not ask for the split, or not every chunk arrived",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    public SamplePredictions predictions(@PathParam("id") String id, @QueryParam("split") String split) {
        // List.of(...).contains(null) throws: a missing split is checked first.
        if (split == null || !SamplePredictions.SPLITS.contains(split)) {
            throw new ApiException(Response.Status.BAD_REQUEST, "split must be one of " + SamplePredictions.SPLITS + ", was "
                    + (split == null ? "missing" : "'" + split + "'"));
        }
        RunRecord run = run(id);
        return run.samplePredictions(split).orElseThrow(() -> new ApiException(Response.Status.CONFLICT, run.samplePredictionsMissing(split)));
    }

    @GET
    @Path("/{id}/live")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Live steps (server-sent events)", description = "The run's exact history so far, then each step as the "
            + "gateway applies it: events 'train' (TrainStep JSON, every step), 'val' ({runId, step, valLoss, valAccuracy}) and "
            + "'state' (RunDetail JSON, at the start and after each lifecycle event). A step may arrive twice with the same "
            + "values; key points by step. The stream stays open after the run ends. What the live page at / draws.")
    @APIResponse(responseCode = "200", description = "An event stream", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS))
    @APIResponse(responseCode = "404", description = "Unknown run",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    public void live(@PathParam("id") String id, @Context SseEventSink sink, @Context Sse sse) {
        new RunLiveStream(store, id, sink, sse).start(run(id));
    }

    /**
     * The body is optional ({@code {"reason": "..."}}) and decoded strictly like every other input. The state check
     * is the gateway's current view: a run that ends while the command is in flight is simply not killed (the trainer
     * ignores commands for runs it no longer holds), and its own terminal event wins.
     */
    @POST
    @Mutating
    @Path("/{id}/kill")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @Operation(summary = "Kill a run", description = "Publishes RunCommand KILL to preflight.control (keyed by run id) and answers "
            + "once Kafka has acknowledged it. The trainer holding the run stops it and reports KILLED, which the run's state then shows.")
    @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = KillRequest.class)))
    @APIResponse(responseCode = "202", description = "The kill command is durable on Kafka",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = KillResponse.class)))
    @APIResponse(responseCode = "400", description = "Malformed body or a reason over " + MAX_REASON_LENGTH + " characters",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "401", description = "No or wrong API key (X-API-Key header or HTTP Basic password)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "404", description = "Unknown run",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "409", description = "The run already finished, failed or was killed",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "503", description = "Kafka did not acknowledge the command in time",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    public Uni<Response> kill(@PathParam("id") String id, byte[] body) {
        String reason = reason(body);
        RunRecord run = run(id);
        RunState state = run.state();
        if (state.terminal()) {
            throw new ApiException(Response.Status.CONFLICT, "run '" + id + "' is already " + state);
        }
        return control.kill(id, reason).map(command -> Response
                .accepted(new KillResponse(id, run.state(), command.reason()))
                .location(URI.create("/api/runs/" + id))
                .build());
    }

    /**
     * "Leave it training": a new run that continues a finished one from its final checkpoint for {@code steps} more
     * steps (same spec, {@code continueFrom} naming the source; its history starts at the source's last step + 1). The
     * gateway refuses what it can tell cannot work; a checkpoint that vanished since (compaction) fails the new run
     * with the trainer's reason.
     */
    @POST
    @Mutating
    @Path("/{id}/continue")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Continue a finished run", description = "Submits a new run that starts from the run's final "
            + "checkpoint and trains `steps` more steps (RunSpec.continueFrom); answers once Kafka has acknowledged it.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ContinueRequest.class)))
    @APIResponse(responseCode = "202", description = "The continuation is durable on Kafka; Location points at the new run",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SubmitResponse.class)))
    @APIResponse(responseCode = "400", description = "Malformed body, steps missing or < 1, or the total over the step limit",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "401", description = "No or wrong API key (X-API-Key header or HTTP Basic password)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "404", description = "Unknown run",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "409", description = "The run is still running, did not finish (failed, killed, lost), or "
            + "has no final checkpoint",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "503", description = "Kafka did not acknowledge the new run in time, or the data-service could not check it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    public Uni<Response> continueRun(@PathParam("id") String id, byte[] body) {
        RunRecord run = run(id);
        ContinueRequest request;
        try {
            request = Json.decode(body == null ? new byte[0] : body, ContinueRequest.class);
        } catch (WireFormatException e) {
            throw new ApiException(Response.Status.BAD_REQUEST, "malformed continue request: " + e.describe());
        }
        if (request.steps() == null || request.steps() < 1 || request.steps() > RunSpec.MAX_STEPS) {
            throw new ApiException(Response.Status.BAD_REQUEST, "steps must be in [1, " + RunSpec.MAX_STEPS
                    + "] (how many more steps to train), was " + request.steps());
        }
        RunState state = run.state();
        if (!state.terminal()) {
            throw new ApiException(Response.Status.CONFLICT, "run '" + id + "' is still " + state + ": continue it once it finished");
        }
        if (state != RunState.FINISHED) {
            throw new ApiException(Response.Status.CONFLICT, "run '" + id + "' ended " + state + ", not FINISHED: only a finished "
                    + "run has a final checkpoint to continue from (submit its spec again to start over)");
        }
        dev.preflight.wire.RunEvent.Finish finish = run.finish();
        RunSpec spec = run.spec();
        if (finish == null || finish.checkpointStep() == null || spec == null) {
            throw new ApiException(Response.Status.CONFLICT, "run '" + id + "' has no final checkpoint to continue from "
                    + "(its trainer did not report one)");
        }
        RunSpec next = spec.continued(id, finish.checkpointStep(), request.steps());
        List<String> problems = next.problems();
        if (!problems.isEmpty()) {
            throw new ApiException(Response.Status.BAD_REQUEST, "cannot continue run '" + id + "'", problems);
        }
        return submissions.submit(next).map(r -> Response
                .accepted(new SubmitResponse(r.runId(), RunState.SUBMITTED))
                .location(URI.create("/api/runs/" + r.runId()))
                .build());
    }

    private static String reason(byte[] body) {
        if (body == null || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return DEFAULT_REASON;
        }
        KillRequest request;
        try {
            request = Json.decode(body, KillRequest.class);
        } catch (WireFormatException e) {
            throw new ApiException(Response.Status.BAD_REQUEST, "malformed kill request: " + e.describe());
        }
        if (request.reason() == null || request.reason().isBlank()) {
            return DEFAULT_REASON;
        }
        if (request.reason().length() > MAX_REASON_LENGTH) {
            throw new ApiException(Response.Status.BAD_REQUEST, "reason must be at most " + MAX_REASON_LENGTH
                    + " characters, was " + request.reason().length());
        }
        return request.reason();
    }

    /**
     * A warm start ({@code initFrom}) needs a finished run to start from: refused here, at once, rather than as a FAILED
     * run once a trainer finds no checkpoint.
     */
    private void checkWarmStart(String initFrom) {
        if (initFrom == null) {
            return;
        }
        RunRecord source = store.find(initFrom).orElseThrow(() -> new ApiException(Response.Status.BAD_REQUEST, "invalid run spec",
                List.of("initFrom names unknown run '" + initFrom + "'")));
        if (source.state() != RunState.FINISHED) {
            throw new ApiException(Response.Status.CONFLICT, "initFrom run '" + initFrom + "' is " + source.state()
                    + ", not FINISHED: a run starts from another's final weights once that one finished");
        }
    }

    private RunRecord run(String id) {
        return store.find(id).orElseThrow(() -> new ApiException(Response.Status.NOT_FOUND, "unknown run '" + id + "'"));
    }

    static Integer step(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw new ApiException(Response.Status.BAD_REQUEST, name + " must be an integer step, was '" + value + "'");
        }
    }
}
