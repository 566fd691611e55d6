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
                           @QueryParam("sampleSeed") long sampleSeed, @QueryParam("resolution") String resolution) {
        storedSizeOnly(resolution);
        REQUESTS.add(new Request(name, splitSeed, size, sampleSeed));
        return BatchCodec.encode(batch(name, size, sampleSeed));
    }

    /**
     * The tests' runs name no data.resolution: the client must leave the parameter out (the real data-service would
     * answer 400 to "resolution=null"), so every evaluation here also checks that.
     */
    private static void storedSizeOnly(String resolution) {
        if (resolution != null) {
            throw new jakarta.ws.rs.BadRequestException("resolution sent for a run without one: '" + resolution + "'");
        }
    }

    /** Samples in the fake's val side of any split: more than one page (1,024) of per-sample predictions. */
    static final int SPLIT_SIZE = 2500;

    /** Dataset index of split position {@code p}: 3p + 1 (ascending, as the real one's). */
    static int splitIndex(int p) {
        return 3 * p + 1;
    }

    /** The sample at split position {@code p}: a one-sample batch of seed 7000 + p, so a test can rebuild it alone. */
    static Batch splitSample(int p) {
        return batch(1, 7000 + p);
    }

    @GET
    @Path("/{name}/split-indices")
    @Produces(MediaType.APPLICATION_JSON)
    public String splitIndices(@PathParam("name") String name, @QueryParam("split") String split) {
        return "{\"split\":\"" + split + "\",\"indices\":" + java.util.Arrays.toString(
                java.util.stream.IntStream.range(0, SPLIT_SIZE).map(FakeDataServiceResource::splitIndex).toArray()) + "}";
    }

    @GET
    @Path("/{name}/split-batch")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public byte[] splitBatch(@PathParam("name") String name, @QueryParam("from") int from, @QueryParam("size") int size,
                             @QueryParam("resolution") String resolution) {
        storedSizeOnly(resolution);
        int n = Math.min(size, SPLIT_SIZE - from);
        int[] labels = new int[n];
        byte[] pixels = new byte[n * 28 * 28];
        for (int j = 0; j < n; j++) {
            Batch one = splitSample(from + j);
            labels[j] = one.labels()[0];
            System.arraycopy(one.data(), 0, pixels, j * 28 * 28, 28 * 28);
        }
        return BatchCodec.encode(new Batch(from, 0, DType.UINT8, new int[]{28, 28, 1}, 4, labels, pixels));
    }
}
