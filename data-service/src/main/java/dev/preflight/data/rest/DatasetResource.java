package dev.preflight.data.rest;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.DatasetDetail;
import dev.preflight.data.model.DatasetSummary;
import dev.preflight.data.model.Split;
import dev.preflight.data.service.DatasetRegistry;
import dev.preflight.data.service.Splits;
import dev.preflight.data.service.ValBatches;
import dev.preflight.wire.BatchCodec;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

@Path("/api/datasets")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "datasets", description = "Registered datasets and their validation batches")
public class DatasetResource {

    /** Same ceiling as a train batch (DataConfig.batchSize): a val batch is one forward pass of the eval-service. */
    static final int MAX_VAL_BATCH = 4096;

    private final DatasetRegistry registry;

    @Inject
    public DatasetResource(DatasetRegistry registry) {
        this.registry = registry;
    }

    @GET
    @Operation(summary = "List the registered datasets")
    public List<DatasetSummary> list() {
        return registry.names().stream().map(registry::get).map(DatasetSummary::of).toList();
    }

    @GET
    @Path("{name}")
    @Operation(summary = "One dataset, with its class histogram")
    @APIResponse(responseCode = "200", description = "The dataset")
    @APIResponse(responseCode = "404", description = "No dataset of that name",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public DatasetDetail get(@PathParam("name") String name) {
        return DatasetDetail.of(registry.get(name));
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
            @QueryParam("sampleSeed") String sampleSeed) {
        Dataset dataset = registry.get(name);
        long split = QueryParams.requiredLong("splitSeed", splitSeed);
        double fraction = QueryParams.requiredFraction("valFraction", valFraction);
        int count = QueryParams.requiredInt("size", size, 1, MAX_VAL_BATCH);
        long pick = QueryParams.requiredLong("sampleSeed", sampleSeed);
        Split s = Splits.stratified(dataset, split, fraction);
        return BatchCodec.encode(ValBatches.build(dataset, ValBatches.sample(s.val(), pick, count)));
    }
}
