package dev.preflight.wire;

import java.util.Arrays;

/**
 * A batch of labelled samples, as streamed to the trainer and served to the eval-service.
 *
 * @param index       position in the run's stream (0-based; equals the Kafka offset of the single-partition topic)
 * @param epoch       which pass over the train subset this batch belongs to
 * @param sampleShape per-sample shape, e.g. [28, 28, 1]
 * @param numClasses  number of classes of the dataset (labels are in [0, numClasses))
 * @param labels      one label per sample
 * @param data        row-major sample data, {@code labels.length * prod(sampleShape)} elements of {@code dtype}
 */
public record Batch(long index, int epoch, DType dtype, int[] sampleShape, int numClasses, int[] labels, byte[] data) {

    public Batch {
        int expected = labels.length * sampleSize(sampleShape) * dtype.bytes;
        if (data.length != expected) {
            throw new IllegalArgumentException("batch data has " + data.length + " bytes, shape needs " + expected);
        }
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
        int n = labels.length * sampleSize();
        float[] out = new float[n];
        if (dtype == DType.UINT8) {
            for (int i = 0; i < n; i++) {
                out[i] = (data[i] & 0xFF) / 255f;
            }
        } else {
            java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.BIG_ENDIAN).asFloatBuffer().get(out);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Batch b && index == b.index && epoch == b.epoch && dtype == b.dtype
                && numClasses == b.numClasses && Arrays.equals(sampleShape, b.sampleShape)
                && Arrays.equals(labels, b.labels) && Arrays.equals(data, b.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data) * 31 + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return "Batch[index=" + index + ", epoch=" + epoch + ", dtype=" + dtype + ", shape=" + Arrays.toString(sampleShape)
                + ", size=" + labels.length + ", classes=" + numClasses + "]";
    }
}
