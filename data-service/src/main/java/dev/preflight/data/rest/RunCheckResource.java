package dev.preflight.data.rest;

import dev.preflight.rest.ApiError;
import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.RunCheck;
import dev.preflight.data.model.Split;
import dev.preflight.data.service.DatasetRegistry;
import dev.preflight.data.service.RunFit;
import dev.preflight.data.service.RunRefusedException;
import dev.preflight.data.service.Splits;
import dev.preflight.data.service.TrainBatches;
import dev.preflight.wire.RunSpec;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/**
 * "Would this run stream?", asked by the gateway before it accepts a run, so that an unknown dataset or a subset
 * larger than the train split is a 400 at submission instead of a run that fails later. Runs exactly the checks the
 * stream runs before it starts ({@link RunFit}). Changes nothing, so it needs no API key.
 */
@Path("/api/run-checks")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "runs", description = "What a run's model sees")
public class RunCheckResource {

    private final DatasetRegistry registry;

    @Inject
    public RunCheckResource(DatasetRegistry registry) {
        this.registry = registry;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Check that a run spec can be streamed, without starting anything",
            description = "The same checks a submission goes through before its stream starts: the dataset is known and "
                    + "loadable, the subset fits the train split of (seed, valFraction), augmentation and balancing apply "
                    + "to the data. Answers the split and batch sizes the run would get.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RunSpec.class)))
    @APIResponse(responseCode = "200", description = "The run can be streamed",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RunCheck.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON, an unknown field, or an invalid spec; every problem named",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "422", description = "The spec is valid but this service would refuse it: unknown dataset "
            + "(the known ones are listed), files that cannot be loaded, a subset larger than the train split, ...",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public RunCheck check(byte[] body) {
        RunSpec spec = JsonBodies.decode(body, RunSpec.class, "invalid run spec");
        List<String> problems = spec.problems();
        if (!problems.isEmpty()) {
            throw new ApiProblemException(Response.Status.BAD_REQUEST, "invalid run spec: " + String.join("; ", problems));
        }
        try {
            TrainBatches batches = RunFit.batches(registry, spec);
            Dataset d = RunFit.dataset(registry, spec.dataset());
            Split split = Splits.forRun(d, spec.data().seed(), spec.data().valFraction());
            Dataset.GivenSplit given = d.givenSplit();
            return new RunCheck(d.name(), split.trainSize(), split.valSize(), batches.subsetSize(), batches.batchSize(),
                    given == null ? null : given.description());
        } catch (RunRefusedException e) {
            throw new ApiProblemException(ApiProblemException.UNPROCESSABLE, e.getMessage());
        }
    }
}
