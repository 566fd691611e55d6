package dev.preflight.data.rest;

import dev.preflight.rest.ApiError;
import dev.preflight.wire.ValSampling;
import dev.preflight.data.load.LoadException;
import dev.preflight.data.load.PathRejectedException;
import dev.preflight.data.messaging.BatchStreamer;
import dev.preflight.data.model.Dataset;
import dev.preflight.data.service.DatasetRegistry;
import dev.preflight.data.service.PreviewRenderer;
import dev.preflight.data.model.Split;
import dev.preflight.data.service.FeatureScaler;
import dev.preflight.data.service.Resolution;
import dev.preflight.data.service.Splits;
import dev.preflight.data.service.TrainBatches;
import dev.preflight.data.service.ValBatches;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.RunSubmitted;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * "Visualize exactly what goes into the net": a run's train batch rebuilt from its spec the way the stream builds it
 * (same split, subset, order, augmentation), or a val batch the way the val endpoint serves it. The gateway may embed
 * this in TensorBoard, so the path is part of the API.
 */
@Path("/api/runs/{runId}/preview.png")
@Tag(name = "runs", description = "What a run's model sees")
public class RunPreviewResource {

    private final BatchStreamer streamer;
    private final DatasetRegistry registry;

    @Inject
    public RunPreviewResource(BatchStreamer streamer, DatasetRegistry registry) {
        this.streamer = streamer;
        this.registry = registry;
    }

    @GET
    @Produces("image/png")
    @Operation(summary = "A run's train batch (as the trainer receives it, augmented) or val batch (as stored), as a labelled grid",
            description = "split=train: batch k of the run's stream (k in [0, steps), default 0). split=val: the val "
                    + "batch of the run's batch size picked with sampleSeed k, exactly as GET /api/datasets/{name}/val-batch serves it.")
    @APIResponse(responseCode = "200", description = "PNG", content = @Content(mediaType = "image/png"))
    @APIResponse(responseCode = "400", description = "split is not train or val, or batch is out of range",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "No run of that id has been seen by this service (or its dataset is unknown)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public byte[] preview(@PathParam("runId") String runId, @QueryParam("split") String split, @QueryParam("batch") String batch) {
        RunSubmitted run = streamer.submission(runId);
        if (run == null) {
            throw new ApiProblemException(Response.Status.NOT_FOUND, "no run '" + runId + "' has been submitted (or it is too old to be remembered)");
        }
        if (!"train".equals(split) && !"val".equals(split)) {
            throw new BadParameterException("split", "must be train or val, was " + (split == null ? "missing" : "'" + split + "'"));
        }
        // Batch k of the run's own stream: a continuation's starts at its source's position continueFrom.step.
        int steps = run.spec().batchCount();
        int k = batch == null ? 0 : QueryParams.requiredInt("batch", batch, 0, "train".equals(split) ? steps - 1 : Integer.MAX_VALUE);
        Dataset d;
        try {
            d = registry.get(run.spec().dataset());
        } catch (LoadException | PathRejectedException e) {
            throw new ApiProblemException(ApiProblemException.UNPROCESSABLE, e.getMessage());
        }
        DataConfig data = run.spec().data();
        Batch b;
        String title;
        try {
            if ("train".equals(split)) {
                b = TrainBatches.forRun(d, data).streamBatch(run.spec().firstStep(), k);
                title = runId + " train batch " + k + " (epoch " + b.epoch() + ")"
                        + (data.activeAugmentation() != null ? ", augmented" : "") + (b.classWeights() != null ? ", weighted" : "");
            } else {
                int size = TrainBatches.forRun(d, data).batchSize();
                Split s = Splits.forRun(d, data.seed(), data.valFraction());
                b = ValBatches.build(Resolution.view(d, data.resolution()), ValSampling.indices(s.val(), k, size), FeatureScaler.of(d, s));
                title = runId + " val batch, sampleSeed " + k + ", as stored";
            }
        } catch (IllegalArgumentException e) {
            throw new ApiProblemException(Response.Status.BAD_REQUEST, "run " + runId + " does not fit dataset '" + d.name() + "': " + e.getMessage());
        }
        try {
            return PreviewRenderer.png(b, d.classNames(), title, d.featureNames());
        } catch (IllegalArgumentException e) {
            throw new ApiProblemException(Response.Status.BAD_REQUEST, "run " + runId + ": " + e.getMessage());
        }
    }
}
