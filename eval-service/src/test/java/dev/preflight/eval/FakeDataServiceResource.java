package dev.preflight.eval;

import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DType;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.SplittableRandom;

/**
 * Stands in for the data-service's val-batch endpoint in this module's tests (the real one is exercised end to end
 * by the preflight-cli skeleton test). Deterministic in sampleSeed so the test can recompute the expected numbers.
 */
@Path("/api/datasets")
public class FakeDataServiceResource {

    static Batch batch(int size, long sampleSeed) {
        SplittableRandom rng = new SplittableRandom(sampleSeed);
        byte[] pixels = new byte[size * 28 * 28];
        rng.nextBytes(pixels);
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
            labels[i] = i % 4;
        }
        return new Batch(0, 0, DType.UINT8, new int[]{28, 28, 1}, 4, labels, pixels);
    }

    @GET
    @Path("/{name}/val-batch")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public byte[] valBatch(@PathParam("name") String name, @QueryParam("splitSeed") long splitSeed,
                           @QueryParam("valFraction") double valFraction, @QueryParam("size") int size,
                           @QueryParam("sampleSeed") long sampleSeed) {
        return BatchCodec.encode(batch(size, sampleSeed));
    }
}
