package dev.preflight.data.rest;

import dev.preflight.rest.ApiError;
import dev.preflight.rest.Mutating;
import dev.preflight.wire.ValSampling;
import dev.preflight.data.load.LoadException;
import dev.preflight.data.load.PathRejectedException;
import dev.preflight.data.load.Registration;
import dev.preflight.data.messaging.DatasetLog;
import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.DatasetStats;
import dev.preflight.data.model.DatasetDetail;
import dev.preflight.data.model.DatasetSummary;
import dev.preflight.data.model.Split;
import dev.preflight.data.service.DatasetExistsException;
import dev.preflight.data.service.DatasetRegistry;
import dev.preflight.data.service.PreviewRenderer;
import dev.preflight.data.service.Resolution;
import dev.preflight.data.service.StatsService;
import dev.preflight.data.service.FeatureScaler;
import dev.preflight.data.service.Splits;
import dev.preflight.data.service.ValBatches;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.Arrays;
import java.util.List;

@Path("/api/datasets")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "datasets", description = "Registered datasets and their validation batches")
public class DatasetResource {

    /** Same ceiling as a train batch (DataConfig.batchSize): a val batch is one forward pass of the eval-service. */
    static final int MAX_VAL_BATCH = 4096;

    /** Samples in a dataset preview grid by default, and at most. */
    static final int PREVIEW_DEFAULT = 64;
    static final int PREVIEW_MAX = 256;

    private final DatasetRegistry registry;
    private final DatasetLog log;
    private final StatsService stats;

    @Inject
    public DatasetResource(DatasetRegistry registry, StatsService stats, DatasetLog log) {
        this.log = log;
        this.registry = registry;
        this.stats = stats;
    }

    @POST
    @Mutating
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Register a dataset on disk under the data root",
            description = "Body: {name, format: idx|csv|image-folder|segmentation|paired, path (relative to the data root), "
                    + "images, labels, masks, targets, labelColumn, header, imageShape [h,w,c], numClasses}. The files are loaded "
                    + "now; unreadable files are skipped and listed in the stats (paired: any unmatched, mismatched or "
                    + "unreadable pair refuses the registration, naming the files). Unknown fields are errors.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Registration.class)))
    @APIResponse(responseCode = "201", description = "Registered; the body is the dataset's detail")
    @APIResponse(responseCode = "400", description = "Bad body, name, format or path (absolute, '..', outside the root, missing)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "No or wrong API key (X-API-Key header or HTTP Basic password)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "The name is taken",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "422", description = "The files are not a usable dataset (wrong magic, ragged CSV, no valid sample)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "Kafka did not acknowledge the registration record; nothing was registered",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Response register(byte[] body) {
        // Parsed by the strict wire mapper rather than bound by JAX-RS: a misspelt option must be an error.
        Registration r = JsonBodies.decode(body, Registration.class, "invalid registration");
        Dataset d;
        try {
            d = registry.register(r);
        } catch (PathRejectedException | IllegalArgumentException e) {
            throw new ApiProblemException(Response.Status.BAD_REQUEST, e.getMessage());
        } catch (DatasetExistsException e) {
            throw new ApiProblemException(Response.Status.CONFLICT, e.getMessage());
        } catch (LoadException e) {
            throw new ApiProblemException(ApiProblemException.UNPROCESSABLE, e.getMessage());
        }
        try {
            // On Kafka before the 201: every replica serves what this one accepted.
            log.publish(r);
        } catch (RuntimeException e) {
            registry.forget(r.name());
            throw new ApiProblemException(Response.Status.SERVICE_UNAVAILABLE, "dataset '" + r.name()
                    + "' loads, but its registration could not be recorded on Kafka (" + e.getMessage() + "); try again");
        }
        return Response.created(UriBuilder.fromPath("/api/datasets/{name}").build(d.name()))
                .type(MediaType.APPLICATION_JSON).entity(DatasetDetail.of(d)).build();
    }

    @GET
    @Path("{name}/stats")
    @Operation(summary = "Counts, class histogram and imbalance, channel mean/std, duplicates, skipped files, and "
            + "train/val leakage for the split given by splitSeed and valFraction (both or neither)")
    @APIResponse(responseCode = "200", description = "The statistics")
    @APIResponse(responseCode = "400", description = "Only one of splitSeed and valFraction, or a bad value",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "No dataset of that name",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public DatasetStats stats(@PathParam("name") String name,
                              @QueryParam("splitSeed") String splitSeed,
                              @QueryParam("valFraction") String valFraction) {
        Dataset d = load(name);
        boolean seedGiven = splitSeed != null && !splitSeed.isBlank();
        boolean fractionGiven = valFraction != null && !valFraction.isBlank();
        if (seedGiven != fractionGiven) {
            throw new BadParameterException(seedGiven ? "valFraction" : "splitSeed",
                    "is required with " + (seedGiven ? "splitSeed" : "valFraction") + " (the leakage check needs the whole split)");
        }
        if (!seedGiven) {
            return stats.stats(d, null, null);
        }
        return stats.stats(d, QueryParams.requiredLong("splitSeed", splitSeed), QueryParams.requiredFraction("valFraction", valFraction));
    }

    @GET
    @Path("{name}/preview.png")
    @Produces("image/png")
    @Operation(summary = "A grid of stored samples, each labelled with its class (segmentation: image and mask side by side)",
            description = "count samples (default 64, at most 256) chosen by seed (default 0), bytes as stored.")
    @APIResponse(responseCode = "200", description = "PNG", content = @Content(mediaType = "image/png"))
    @APIResponse(responseCode = "400", description = "A bad parameter",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "No dataset of that name",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public byte[] preview(@PathParam("name") String name, @QueryParam("count") String count, @QueryParam("seed") String seed) {
        Dataset d = load(name);
        int n = count == null ? PREVIEW_DEFAULT : QueryParams.requiredInt("count", count, 1, PREVIEW_MAX);
        long s = seed == null ? 0 : QueryParams.requiredLong("seed", seed);
        int[] picked = ValSampling.indices(d.allIndices(), s, n);
        Arrays.sort(picked);
        try {
            return PreviewRenderer.png(ValBatches.build(d, picked), d.classNames(),
                    d.name() + ": " + picked.length + " of " + d.size() + " samples, as stored", d.featureNames());
        } catch (IllegalArgumentException e) {
            throw new ApiProblemException(Response.Status.BAD_REQUEST, "dataset '" + name + "': " + e.getMessage());
        }
    }

    /** A registered dataset whose files can no longer be read (e.g. after a restart) is a 422 naming why. */
    private Dataset load(String name) {
        try {
            return registry.get(name);
        } catch (LoadException | PathRejectedException e) {
            throw new ApiProblemException(ApiProblemException.UNPROCESSABLE, "dataset '" + name + "' cannot be loaded: " + e.getMessage());
        }
    }

    @GET
    @Operation(summary = "List the registered datasets")
    public List<DatasetSummary> list() {
        List<DatasetSummary> all = new java.util.ArrayList<>();
        for (String name : registry.names()) {
            try {
                all.add(DatasetSummary.of(registry.get(name)));
            } catch (LoadException | PathRejectedException e) {
                // One registration whose files went missing must not hide the others; its own GET says why.
                continue;
            }
        }
        return all;
    }

    @GET
    @Path("{name}")
    @Operation(summary = "One dataset, with its class histogram")
    @APIResponse(responseCode = "200", description = "The dataset")
    @APIResponse(responseCode = "404", description = "No dataset of that name",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public DatasetDetail get(@PathParam("name") String name) {
        return DatasetDetail.of(load(name));
    }

    /** Samples one {@code /samples} request may name: a gallery's worth, and short enough for a request line. */
    static final int MAX_SAMPLES_BY_INDEX = 256;

    @GET
    @Path("{name}/split-indices")
    @Operation(summary = "The dataset indices of one side of a run's split, ascending",
            description = "What position p of GET /split-batch is: indices[p]. The split is the one the run's stream and "
                    + "val batches use (given with the data, else Preflight's stratified split of splitSeed and valFraction).")
    @APIResponse(responseCode = "200", description = "{split, indices}")
    @APIResponse(responseCode = "400", description = "A parameter is missing or out of range; the body names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "No dataset of that name",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public SplitIndices splitIndices(@PathParam("name") String name, @QueryParam("splitSeed") String splitSeed,
                                     @QueryParam("valFraction") String valFraction, @QueryParam("split") String split) {
        Dataset dataset = load(name);
        return new SplitIndices(splitSide(split), side(runSplit(dataset, splitSeed, valFraction), split));
    }

    /** @param indices dataset indices of the split's side, ascending */
    public record SplitIndices(String split, int[] indices) {
    }

    @GET
    @Path("{name}/split-batch")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "Consecutive samples of one side of a run's split, never augmented",
            description = "Positions [from, from + size) of GET /split-indices' list (capped at its end), as BatchCodec "
                    + "bytes whose index is from; tabular features scaled with the train split's statistics, as the run's "
                    + "batches are. The eval-service pages through a whole split with it (per-sample predictions).")
    @APIResponse(responseCode = "200", description = "BatchCodec-encoded batch",
            content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM))
    @APIResponse(responseCode = "400", description = "A parameter is missing or out of range; the body names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "No dataset of that name",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public byte[] splitBatch(@PathParam("name") String name, @QueryParam("splitSeed") String splitSeed,
                             @QueryParam("valFraction") String valFraction, @QueryParam("split") String split,
                             @QueryParam("from") String from, @QueryParam("size") String size,
                             @Parameter(description = RESOLUTION_DOC) @QueryParam("resolution") String resolution) {
        Dataset dataset = load(name);
        Split s = runSplit(dataset, splitSeed, valFraction);
        int[] side = side(s, split);
        int start = QueryParams.requiredInt("from", from, 0, Math.max(0, side.length - 1));
        int count = QueryParams.requiredInt("size", size, 1, MAX_VAL_BATCH);
        int[] picked = Arrays.copyOfRange(side, start, Math.min(side.length, start + count));
        Batch b = ValBatches.build(atResolution(dataset, resolution), picked, FeatureScaler.of(dataset, s));
        return BatchCodec.encode(new Batch(start, 0, b.dtype(), b.sampleShape(), b.numClasses(), b.labels(), b.data(), b.masks(),
                b.targets(), b.targetDim(), null, null));
    }

    @GET
    @Path("{name}/samples")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "The samples at the given dataset indices, bytes as stored (features unscaled)",
            description = "indices: comma-separated, at most 256; the batch's samples in that order. What report galleries show.")
    @APIResponse(responseCode = "200", description = "BatchCodec-encoded batch",
            content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM))
    @APIResponse(responseCode = "400", description = "indices missing, not numbers, out of range or too many; the body names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "No dataset of that name",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public byte[] samples(@PathParam("name") String name, @QueryParam("indices") String indices) {
        Dataset dataset = load(name);
        if (indices == null || indices.isBlank()) {
            throw new BadParameterException("indices", "is required: comma-separated dataset indices");
        }
        String[] parts = indices.split(",");
        if (parts.length > MAX_SAMPLES_BY_INDEX) {
            throw new BadParameterException("indices", "names " + parts.length + " samples, at most " + MAX_SAMPLES_BY_INDEX);
        }
        int[] picked = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            picked[i] = QueryParams.requiredInt("indices", parts[i], 0, dataset.size() - 1);
        }
        return BatchCodec.encode(ValBatches.build(dataset, picked));
    }

    private static Split runSplit(Dataset dataset, String splitSeed, String valFraction) {
        return Splits.forRun(dataset, QueryParams.requiredLong("splitSeed", splitSeed), QueryParams.requiredFraction("valFraction", valFraction));
    }

    private static String splitSide(String split) {
        if (!"train".equals(split) && !"val".equals(split)) {
            throw new BadParameterException("split", "must be train or val, was " + (split == null ? "missing" : "'" + split + "'"));
        }
        return split;
    }

    private static int[] side(Split s, String split) {
        return "train".equals(splitSide(split)) ? s.train() : s.val();
    }

    @GET
    @Path("{name}/val-batch")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "A validation batch, never augmented",
            description = "Distinct samples of the val split defined by (splitSeed, valFraction), chosen by sampleSeed, "
                    + "as BatchCodec bytes (index 0, epoch 0). Same parameters, same bytes.")
    @APIResponse(responseCode = "200", description = "BatchCodec-encoded batch of min(size, val split size) samples",
            content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM))
    @APIResponse(responseCode = "400", description = "A parameter is missing or out of range; the body names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "No dataset of that name",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public byte[] valBatch(
            @PathParam("name") String name,
            @Parameter(description = "The run's data seed: defines the split", required = true)
            @QueryParam("splitSeed") String splitSeed,
            @Parameter(description = "The run's val fraction, in (0, 1)", required = true)
            @QueryParam("valFraction") String valFraction,
            @Parameter(description = "Samples wanted, in [1, 4096]; capped at the val split size", required = true)
            @QueryParam("size") String size,
            @Parameter(description = "Chooses which val samples; the same seed gives the same batch", required = true)
            @QueryParam("sampleSeed") String sampleSeed,
            @Parameter(description = RESOLUTION_DOC) @QueryParam("resolution") String resolution) {
        Dataset dataset = load(name);
        long split = QueryParams.requiredLong("splitSeed", splitSeed);
        double fraction = QueryParams.requiredFraction("valFraction", valFraction);
        int count = QueryParams.requiredInt("size", size, 1, MAX_VAL_BATCH);
        long pick = QueryParams.requiredLong("sampleSeed", sampleSeed);
        Split s = Splits.forRun(dataset, split, fraction);
        return BatchCodec.encode(ValBatches.build(atResolution(dataset, resolution), ValSampling.indices(s.val(), pick, count),
                FeatureScaler.of(dataset, s)));
    }

    private static final String RESOLUTION_DOC = "Optional: the run's data.resolution as HEIGHTxWIDTH (e.g. 14x14): the "
            + "samples resized as the run's train batches are; 400 for a dataset that is not images, a segmentation dataset "
            + "or a size above the stored one";

    /** The dataset at the run's resolution; a resolution that does not fit it is a 400 naming the parameter. */
    private static Dataset atResolution(Dataset dataset, String resolution) {
        try {
            return Resolution.view(dataset, QueryParams.optionalResolution("resolution", resolution));
        } catch (IllegalArgumentException e) {
            throw new BadParameterException("resolution", e.getMessage().replaceFirst("^data\\.resolution ", ""));
        }
    }
}
