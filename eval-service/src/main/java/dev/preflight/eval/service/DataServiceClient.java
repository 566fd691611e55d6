package dev.preflight.eval.service;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * data-service's val endpoints: random val batches, and whole split sides page by page (per-sample predictions); never
 * augmented, in the binary batch format. {@code resolution} is the run's {@code DataConfig.resolutionParam()}
 * ("14x14"), so the model is scored on samples of the size it was trained on; null (left out of the query) for the
 * stored size.
 */
@RegisterRestClient(configKey = "data-service")
@Path("/api/datasets")
public interface DataServiceClient {

    @GET
    @Path("/{name}/val-batch")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    byte[] valBatch(@PathParam("name") String dataset, @QueryParam("splitSeed") long splitSeed,
                    @QueryParam("valFraction") double valFraction, @QueryParam("size") int size,
                    @QueryParam("sampleSeed") long sampleSeed, @QueryParam("resolution") String resolution);

    /** {@code {split, indices}}: the dataset indices of one side of the run's split, ascending (JSON, read strictly). */
    @GET
    @Path("/{name}/split-indices")
    @Produces(MediaType.APPLICATION_JSON)
    byte[] splitIndices(@PathParam("name") String dataset, @QueryParam("splitSeed") long splitSeed,
                        @QueryParam("valFraction") double valFraction, @QueryParam("split") String split);

    /** Positions [from, from + size) of that side, never augmented, in the binary batch format (index = from). */
    @GET
    @Path("/{name}/split-batch")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    byte[] splitBatch(@PathParam("name") String dataset, @QueryParam("splitSeed") long splitSeed,
                      @QueryParam("valFraction") double valFraction, @QueryParam("split") String split,
                      @QueryParam("from") int from, @QueryParam("size") int size, @QueryParam("resolution") String resolution);
}
