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

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stands in for the data-service's val-batch endpoint in this module's tests (the real one is exercised end to end
 * by the preflight-cli skeleton test). Deterministic in (dataset, size, sampleSeed) so a test can rebuild the exact
 * batch the service evaluated; labels depend on the seed so that different samples are told apart. The dataset name
 * picks the task: {@value #SEGMENTATION} batches carry masks, {@value #REGRESSION} batches carry targets, any other
 * name gives a 4-class classification batch of 28x28 images.
 */
@Path("/api/datasets")
public class FakeDataServiceResource {

    static final String SEGMENTATION = "fake-seg";
    static final String REGRESSION = "fake-reg";
    static final int SEG_SIZE = 12;
    static final int TARGET_DIM = 2;

    /** One val-batch request as the eval-service sent it. */
    record Request(String dataset, long splitSeed, int size, long sampleSeed) {
    }

    static final List<Request> REQUESTS = new CopyOnWriteArrayList<>();

    static Batch batch(int size, long sampleSeed) {
        return batch("shapes", size, sampleSeed);
    }

    static Batch batch(String dataset, int size, long sampleSeed) {
        SplittableRandom rng = new SplittableRandom(sampleSeed);
        int[] labels = new int[size];
        switch (dataset) {
            case SEGMENTATION -> {
                byte[] pixels = new byte[size * SEG_SIZE * SEG_SIZE];
                byte[] masks = new byte[pixels.length];
                for (int i = 0; i < pixels.length; i++) {
                    // Bright pixels are class 1, a few very bright ones class 2: learnable, and every class occurs.
                    int v = rng.nextInt(256);
                    pixels[i] = (byte) v;
                    masks[i] = (byte) (v < 128 ? 0 : v < 240 ? 1 : 2);
                }
                return new Batch(0, 0, DType.UINT8, new int[]{SEG_SIZE, SEG_SIZE, 1}, 3, labels, pixels, masks, null, 0, null, null);
            }
            case REGRESSION -> {
                byte[] pixels = new byte[size * 8];
                rng.nextBytes(pixels);
                float[] targets = new float[size * TARGET_DIM];
                for (int i = 0; i < size; i++) {
                    targets[i * TARGET_DIM] = (pixels[i * 8] & 0xFF) / 255f;
                    targets[i * TARGET_DIM + 1] = 1f;
                }
                return new Batch(0, 0, DType.UINT8, new int[]{8}, 1, labels, pixels, null, targets, TARGET_DIM, null, null);
            }
            default -> {
                byte[] pixels = new byte[size * 28 * 28];
                rng.nextBytes(pixels);
                for (int i = 0; i < size; i++) {
                    labels[i] = rng.nextInt(4);
                }
                return new Batch(0, 0, DType.UINT8, new int[]{28, 28, 1}, 4, labels, pixels);
            }
        }
    }

    @GET
    @Path("/{name}/val-batch")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public byte[] valBatch(@PathParam("name") String name, @QueryParam("splitSeed") long splitSeed,
                           @QueryParam("valFraction") double valFraction, @QueryParam("size") int size,
                           @QueryParam("sampleSeed") long sampleSeed) {
        REQUESTS.add(new Request(name, splitSeed, size, sampleSeed));
        return BatchCodec.encode(batch(name, size, sampleSeed));
    }
}
