package dev.preflight.gateway.rest;

import dev.preflight.rest.Mutating;
import dev.preflight.gateway.model.ErrorResponse;
import dev.preflight.gateway.model.WeightsUpload;
import dev.preflight.gateway.service.UploadedWeightsService;
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

import java.io.InputStream;

/** The user's model files: Keras weights a remote client sends instead of a path the trainer could read. */
@Path("/api/models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "models", description = "Upload Keras weights for imported models")
public class ModelResource {

    private final UploadedWeightsService weights;

    public ModelResource(UploadedWeightsService weights) {
        this.weights = weights;
    }

    @POST
    @Path("/weights")
    @Mutating
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "Upload Keras weights", description = "The body is a Keras HDF5 weights file (.weights.h5 or .h5). "
            + "It is checked, stored on Kafka for the trainers, and named by an id derived from its SHA-256; a run uses it "
            + "with model.kerasWeights = the answer's reference (upload:<id>), checked layer by layer against its definition.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM,
            schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "201", description = "Stored; its reference (upload:<id>) is what a run spec's model.kerasWeights says",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = WeightsUpload.class)))
    @APIResponse(responseCode = "400", description = "Empty, not HDF5, or no Keras layer weights in it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "401", description = "No or wrong API key (X-API-Key header or HTTP Basic password)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "413", description = "Over preflight.gateway.max-weights-size (default 128 MiB)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "503", description = "Kafka did not take it (nothing usable stored; retrying is harmless)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class)))
    public Response upload(InputStream body) {
        try {
            WeightsUpload upload = weights.upload(body);
            return Response.status(Response.Status.CREATED).entity(upload).build();
        } catch (UploadedWeightsService.RefusedException e) {
            throw new ApiException(Response.Status.fromStatusCode(e.status()), e.getMessage());
        } catch (UploadedWeightsService.StoreFailedException e) {
            throw new ApiException(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
        }
    }
}
