package dev.preflight.data.model;

import dev.preflight.wire.Batch;

import java.util.Arrays;

/**
 * An in-memory labelled dataset of uint8 samples. Immutable: the arrays are copied in and never handed out, so what a
 * val batch copies is exactly what was generated or loaded, whoever else reads the dataset.
 */
public final class Dataset {

    private final String name;
    private final int[] sampleShape;
    private final int numClasses;
    private final int[] labels;
    private final byte[] pixels;
    private final int sampleSize;

    /**
     * @param pixels row-major, {@code labels.length * prod(sampleShape)} bytes, sample after sample
     */
    public Dataset(String name, int[] sampleShape, int numClasses, int[] labels, byte[] pixels) {
        this.name = name;
        this.sampleShape = sampleShape.clone();
        this.numClasses = numClasses;
        this.labels = labels.clone();
        this.sampleSize = Batch.sampleSize(sampleShape);
        if (pixels.length != (long) labels.length * sampleSize) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " pixel bytes for " + labels.length
                    + " samples of " + sampleSize);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(name + ": label[" + i + "] = " + labels[i] + " outside [0, " + numClasses + ")");
            }
        }
        this.pixels = pixels.clone();
    }

    public String name() {
        return name;
    }

    public int size() {
        return labels.length;
    }

    public int[] sampleShape() {
        return sampleShape.clone();
    }

    /** Bytes per sample. */
    public int sampleSize() {
        return sampleSize;
    }

    public int numClasses() {
        return numClasses;
    }

    public int label(int sample) {
        return labels[sample];
    }

    /** Copies sample {@code sample}'s bytes, verbatim, into {@code dest} at {@code offset}. */
    public void copySample(int sample, byte[] dest, int offset) {
        System.arraycopy(pixels, sample * sampleSize, dest, offset, sampleSize);
    }

    /** A copy of one sample's bytes. */
    public byte[] sample(int sample) {
        return Arrays.copyOfRange(pixels, sample * sampleSize, (sample + 1) * sampleSize);
    }

    /** Samples per class, indexed by class. */
    public int[] classHistogram() {
        int[] counts = new int[numClasses];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }
}
