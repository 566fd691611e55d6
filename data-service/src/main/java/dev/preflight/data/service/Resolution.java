package dev.preflight.data.service;

import dev.preflight.data.load.Resampling;
import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.SampleBytes;
import dev.preflight.wire.DType;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * A run's input resolution ({@code DataConfig.resolution}, the recipe's "smaller input dimensionality"): the dataset
 * seen through a view whose samples are the stored images resized with {@link Resampling} (area averaging when
 * shrinking, so every stored pixel counts), channels kept. Train batches, val batches and run previews of the run all
 * read the view, so the trainer builds its model for the view's shape and the eval-service scores it on the same
 * pixels. The split, subset and stream order are those of the stored data ({@link Dataset#withSamples}); a train
 * augmentation works on the resized image (its pixel amounts are pixels at the run's resolution).
 *
 * <p>Resized on every read (a 28x28 sample costs microseconds): nothing is stored, so a run at any resolution costs
 * no disk or heap.
 */
public final class Resolution {

    private Resolution() {
    }

    /**
     * The dataset at {@code hw} = [height, width], or {@code d} itself when {@code hw} is null or the stored size.
     *
     * @throws IllegalArgumentException naming {@code data.resolution}: for samples that are not images (a table), a
     *                                  segmentation or paired dataset (masks and target images are not resized) or a size larger than the
     *                                  stored one along either axis (upscaling adds pixels, not information)
     */
    public static Dataset view(Dataset d, List<Integer> hw) {
        if (hw == null) {
            return d;
        }
        int[] s = d.sampleShape();
        if (!d.isImage()) {
            throw new IllegalArgumentException("data.resolution " + hw + " needs image samples [h, w, c]; " + d.name()
                    + " has samples of shape " + Arrays.toString(s) + " (not images)");
        }
        if (d.isSegmentation()) {
            throw new IllegalArgumentException("data.resolution " + hw + " does not apply to segmentation dataset " + d.name()
                    + ": its masks are not resized with the images");
        }
        if (d.isPaired()) {
            throw new IllegalArgumentException("data.resolution " + hw + " does not apply to paired dataset " + d.name()
                    + ": its target images are not resized with the inputs");
        }
        int h = hw.get(0);
        int w = hw.get(1);
        if (h > s[0] || w > s[1]) {
            throw new IllegalArgumentException("data.resolution " + hw + " is larger than " + d.name() + "'s stored images ["
                    + s[0] + ", " + s[1] + "]: upscaling adds pixels, not information; choose at most the stored size");
        }
        if (h == s[0] && w == s[1]) {
            return d;
        }
        return d.withSamples(new int[]{h, w, s[2]}, new Resized(d, h, w));
    }

    /** The stored records, each resized on read. Thread-safe: every read uses its own buffers. */
    private record Resized(Dataset source, int h, int w) implements SampleBytes {

        @Override
        public int count() {
            return source.size();
        }

        @Override
        public int recordBytes() {
            return h * w * source.sampleShape()[2] * source.dtype().bytes;
        }

        @Override
        public void copy(int i, byte[] dest, int offset) {
            int[] s = source.sampleShape();
            int n = s[0] * s[1] * s[2];
            byte[] stored = new byte[source.sampleSize()];
            source.copySample(i, stored, 0);
            boolean uint8 = source.dtype() == DType.UINT8;
            ByteBuffer in = ByteBuffer.wrap(stored); // big-endian, as float32 samples are stored
            float[] v = new float[n];
            for (int k = 0; k < n; k++) {
                v[k] = uint8 ? stored[k] & 0xFF : in.getFloat(k * 4);
            }
            float[] r = Resampling.resample(v, s[0], s[1], s[2], h, w);
            ByteBuffer out = ByteBuffer.wrap(dest, offset, r.length * source.dtype().bytes).slice();
            for (int k = 0; k < r.length; k++) {
                if (uint8) {
                    dest[offset + k] = (byte) Math.max(0, Math.min(255, Math.round(r[k])));
                } else {
                    out.putFloat(k * 4, r[k]);
                }
            }
        }

        @Override
        public long heapBytes() {
            return 0;
        }
    }
}
