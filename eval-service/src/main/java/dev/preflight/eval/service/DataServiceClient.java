package dev.preflight.eval.service;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** data-service's val-batch endpoint: random val samples, never augmented, in the binary batch format. */
@RegisterRestClient(configKey = "data-service")
@Path("/api/datasets")
public interface DataServiceClient {

    @GET
    @Path("/{name}/val-batch")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    byte[] valBatch(@PathParam("name") String dataset, @QueryParam("splitSeed") long splitSeed,
                    @QueryParam("valFraction") double valFraction, @QueryParam("size") int size,
                    @QueryParam("sampleSeed") long sampleSeed);
}
