package dev.preflight.wire;

import java.util.Arrays;

/**
 * A batch of samples, as streamed to the trainer and served to the eval-service.
 *
 * @param index       position in the run's stream (0-based; equals the Kafka offset of the single-partition topic)
 * @param epoch       which pass over the train subset this batch belongs to
 * @param sampleShape per-sample shape, e.g. [28, 28, 1] (height, width, channels for images)
 * @param numClasses  number of classes of the dataset (labels and mask values are in [0, numClasses))
 * @param labels      one class label per sample (classification); for segmentation/regression batches, zeros
 * @param data        row-major sample data, {@code labels.length * prod(sampleShape)} elements of {@code dtype}
 * @param masks       segmentation only (else null): one class id per pixel, {@code count * H * W} bytes
 * @param targets     regression only (else null): {@code count * targetDim} floats
 * @param targetDim   regression target width (0 when there are no targets)
 * @param classCounts stream metadata (else null): the train split's class histogram, e.g. for log-prior bias init
 * @param classWeights stream metadata (else null): per-class loss weights when class balancing by weights is on
 */
public record Batch(long index, int epoch, DType dtype, int[] sampleShape, int numClasses, int[] labels, byte[] data,
                    byte[] masks, float[] targets, int targetDim, int[] classCounts, float[] classWeights) {

    public Batch {
        int expected = labels.length * sampleSize(sampleShape) * dtype.bytes;
        if (data.length != expected) {
            throw new IllegalArgumentException("batch data has " + data.length + " bytes, shape needs " + expected);
        }
        if (masks != null && (sampleShape.length < 2 || masks.length != labels.length * sampleShape[0] * sampleShape[1])) {
            throw new IllegalArgumentException("masks need count x H x W = " + labels.length + " x " + Arrays.toString(sampleShape) + " bytes");
        }
        if ((targets == null) != (targetDim == 0) || (targets != null && targets.length != labels.length * targetDim)) {
            throw new IllegalArgumentException("targets need count x targetDim floats, targetDim >= 1");
        }
        if (classCounts != null && classCounts.length != numClasses) {
            throw new IllegalArgumentException("classCounts needs one count per class");
        }
        if (classWeights != null && classWeights.length != numClasses) {
            throw new IllegalArgumentException("classWeights needs one weight per class");
        }
    }

    /** A plain classification batch without stream metadata. */
    public Batch(long index, int epoch, DType dtype, int[] sampleShape, int numClasses, int[] labels, byte[] data) {
        this(index, epoch, dtype, sampleShape, numClasses, labels, data, null, null, 0, null, null);
    }

    /** The same batch carrying the run's stream metadata. */
    public Batch withStreamMeta(int[] counts, float[] weights) {
        return new Batch(index, epoch, dtype, sampleShape, numClasses, labels, data, masks, targets, targetDim, counts, weights);
    }

    /** The same batch at another stream position (a continued run's stream starts at its source's next batch). */
    public Batch withIndex(long newIndex) {
        return new Batch(newIndex, epoch, dtype, sampleShape, numClasses, labels, data, masks, targets, targetDim, classCounts, classWeights);
    }

    public int size() {
        return labels.length;
    }

    public static int sampleSize(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public int sampleSize() {
        return sampleSize(sampleShape);
    }

    /** Network input: uint8 pixels scaled to [0, 1]; float32 data as is. */
    public float[] features() {
        float[] out = new float[labels.length * sampleSize()];
        features(out);
        return out;
    }

    /**
     * {@link #features()} written into {@code out} (its first count x sampleSize elements), so a caller that feeds
     * batches of one size every step reuses one array instead of allocating one per batch.
     *
     * @throws IllegalArgumentException if {@code out} is shorter than count x sampleSize
     */
    public void features(float[] out) {
        int n = labels.length * sampleSize();
        if (out.length < n) {
            throw new IllegalArgumentException("feature array holds " + out.length + " values, the batch has " + n);
        }
        if (dtype == DType.UINT8) {
            for (int i = 0; i < n; i++) {
                out[i] = (data[i] & 0xFF) / 255f;
            }
        } else {
            java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.BIG_ENDIAN).asFloatBuffer().get(out, 0, n);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Batch b && index == b.index && epoch == b.epoch && dtype == b.dtype
                && numClasses == b.numClasses && targetDim == b.targetDim && Arrays.equals(sampleShape, b.sampleShape)
                && Arrays.equals(labels, b.labels) && Arrays.equals(data, b.data) && Arrays.equals(masks, b.masks)
                && Arrays.equals(targets, b.targets) && Arrays.equals(classCounts, b.classCounts)
                && Arrays.equals(classWeights, b.classWeights);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data) * 31 + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return "Batch[index=" + index + ", epoch=" + epoch + ", dtype=" + dtype + ", shape=" + Arrays.toString(sampleShape)
                + ", size=" + labels.length + ", classes=" + numClasses + (masks != null ? ", masks" : "")
                + (targets != null ? ", targets x" + targetDim : "") + (classWeights != null ? ", weighted" : "") + "]";
    }
}
