package dev.preflight.data.model;

import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An in-memory labelled dataset. Immutable: the arrays are copied in and never handed out, so what a val batch copies
 * is exactly what was generated or loaded, whoever else reads the dataset.
 *
 * <p>Samples are uint8 (images) or float32 (tabular; stored big-endian, exactly as {@code Batch.data} carries them).
 * A segmentation dataset also holds one H x W mask of class ids per sample; its labels are all 0 (the wire
 * convention) and its classes are the mask's pixel classes.
 */
public final class Dataset {

    private final String name;
    private final int[] sampleShape;
    private final DType dtype;
    private final int numClasses;
    private final int[] labels;
    private final byte[] data;
    private final byte[] masks;
    private final List<String> classNames;
    private final List<Skipped> skipped;
    private final int sampleBytes;
    private final int maskBytes;

    /** A uint8 classification dataset with numbered classes and nothing skipped. */
    public Dataset(String name, int[] sampleShape, int numClasses, int[] labels, byte[] pixels) {
        this(name, sampleShape, DType.UINT8, numClasses, labels, pixels, null, null, List.of());
    }

    /**
     * @param data       row-major, {@code labels.length * prod(sampleShape)} elements of {@code dtype}, sample after sample
     * @param masks      segmentation only (else null): {@code labels.length * H * W} class ids
     * @param classNames one per class, or null for "0", "1", ...
     * @param skipped    source files (or lines) that could not be loaded, with the reason
     */
    public Dataset(String name, int[] sampleShape, DType dtype, int numClasses, int[] labels, byte[] data, byte[] masks,
                   List<String> classNames, List<Skipped> skipped) {
        this.name = name;
        this.sampleShape = sampleShape.clone();
        this.dtype = dtype;
        this.numClasses = numClasses;
        this.labels = labels.clone();
        this.sampleBytes = Math.multiplyExact(Batch.sampleSize(sampleShape), dtype.bytes);
        if (numClasses < 1) {
            throw new IllegalArgumentException(name + ": needs at least one class, has " + numClasses);
        }
        if (data.length != (long) labels.length * sampleBytes) {
            throw new IllegalArgumentException(name + ": " + data.length + " data bytes for " + labels.length
                    + " samples of " + sampleBytes);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(name + ": label[" + i + "] = " + labels[i] + " outside [0, " + numClasses + ")");
            }
        }
        if (masks != null) {
            if (sampleShape.length != 3) {
                throw new IllegalArgumentException(name + ": masks need image samples [h, w, c], got " + Arrays.toString(sampleShape));
            }
            this.maskBytes = sampleShape[0] * sampleShape[1];
            if (masks.length != (long) labels.length * maskBytes) {
                throw new IllegalArgumentException(name + ": " + masks.length + " mask bytes for " + labels.length + " masks of " + maskBytes);
            }
            for (int i = 0; i < masks.length; i++) {
                if ((masks[i] & 0xFF) >= numClasses) {
                    throw new IllegalArgumentException(name + ": mask value " + (masks[i] & 0xFF) + " of sample " + i / maskBytes
                            + " outside [0, " + numClasses + ")");
                }
            }
            this.masks = masks.clone();
        } else {
            this.maskBytes = 0;
            this.masks = null;
        }
        if (classNames != null && classNames.size() != numClasses) {
            throw new IllegalArgumentException(name + ": " + classNames.size() + " class names for " + numClasses + " classes");
        }
        List<String> names = new ArrayList<>(numClasses);
        for (int c = 0; c < numClasses; c++) {
            names.add(classNames == null ? String.valueOf(c) : classNames.get(c));
        }
        this.classNames = List.copyOf(names);
        this.skipped = List.copyOf(skipped);
        this.data = data.clone();
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

    public DType dtype() {
        return dtype;
    }

    /** Bytes per sample. */
    public int sampleSize() {
        return sampleBytes;
    }

    public int numClasses() {
        return numClasses;
    }

    public List<String> classNames() {
        return classNames;
    }

    public List<Skipped> skipped() {
        return skipped;
    }

    public boolean isSegmentation() {
        return masks != null;
    }

    /** Whether samples are images [h, w, c]: what geometric augmentation and image previews need. */
    public boolean isImage() {
        return sampleShape.length == 3;
    }

    /** Bytes per mask (H x W), 0 without masks. */
    public int maskSize() {
        return maskBytes;
    }

    public int label(int sample) {
        return labels[sample];
    }

    /** Copies sample {@code sample}'s bytes, verbatim, into {@code dest} at {@code offset}. */
    public void copySample(int sample, byte[] dest, int offset) {
        System.arraycopy(data, sample * sampleBytes, dest, offset, sampleBytes);
    }

    /** Copies sample {@code sample}'s mask, verbatim, into {@code dest} at {@code offset}. */
    public void copyMask(int sample, byte[] dest, int offset) {
        System.arraycopy(masks, sample * maskBytes, dest, offset, maskBytes);
    }

    /** A copy of one sample's bytes. */
    public byte[] sample(int sample) {
        return Arrays.copyOfRange(data, sample * sampleBytes, (sample + 1) * sampleBytes);
    }

    /** A copy of one sample's mask; null without masks. */
    public byte[] mask(int sample) {
        return masks == null ? null : Arrays.copyOfRange(masks, sample * maskBytes, (sample + 1) * maskBytes);
    }

    /** Samples per label, indexed by class: what the stratified split balances. */
    public int[] classHistogram() {
        int[] counts = new int[numClasses];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /**
     * How often each class occurs among {@code samples}: labels for classification, mask pixels for segmentation
     * (saturating at {@code Integer.MAX_VALUE}, far beyond any loss weighting's resolution).
     */
    public int[] classCounts(int[] samples) {
        long[] counts = new long[numClasses];
        for (int s : samples) {
            if (masks == null) {
                counts[labels[s]]++;
            } else {
                for (int p = s * maskBytes, end = p + maskBytes; p < end; p++) {
                    counts[masks[p] & 0xFF]++;
                }
            }
        }
        int[] out = new int[numClasses];
        for (int c = 0; c < numClasses; c++) {
            out[c] = (int) Math.min(Integer.MAX_VALUE, counts[c]);
        }
        return out;
    }

    /** Every sample index, ascending. */
    public int[] allIndices() {
        int[] all = new int[labels.length];
        Arrays.setAll(all, i -> i);
        return all;
    }
}
