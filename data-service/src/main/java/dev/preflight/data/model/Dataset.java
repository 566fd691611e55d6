package dev.preflight.data.model;

import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A labelled dataset. Immutable: the arrays are copied in and never handed out, so what a val batch copies is exactly
 * what was generated or loaded, whoever else reads the dataset. Labels, sources and the other per-sample facts live in
 * the heap (O(samples) ints and strings); the sample and mask bytes are {@link SampleBytes}: an array for built-in
 * datasets, a memory-mapped store file for registered ones, so the heap never holds O(samples x sample size).
 *
 * <p>Samples are uint8 (images) or float32 (tabular; stored big-endian, exactly as {@code Batch.data} carries them).
 * A segmentation dataset also holds one H x W mask of class ids per sample; its labels are all 0 (the wire
 * convention) and its classes are the mask's pixel classes. A paired (image-to-image) dataset holds one target image
 * per sample, of the sample's own shape and dtype uint8 ({@link #withTargets}); its labels are all 0 of one class
 * (nothing is classified) and its batches carry the targets as regression targets scaled to [0, 1].
 */
public final class Dataset {

    private final String name;
    private final int[] sampleShape;
    private final DType dtype;
    private final int numClasses;
    private final int[] labels;
    private final SampleBytes data;
    private final SampleBytes masks;
    /** Paired datasets only (else null): one target image per sample, {@code sampleBytes} each. */
    private SampleBytes targets;
    private final List<String> classNames;
    private final List<Skipped> skipped;
    private final int sampleBytes;
    private final int maskBytes;
    /** Optional extras set by loaders through the {@code with...} methods; shared, never mutated. */
    private List<String> sources;
    private List<String> featureNames;
    private GivenSplit givenSplit;
    private List<Skipped> ignored = List.of();
    private List<String> notes = List.of();
    private FeatureScaling featureScaling = FeatureScaling.NONE;
    private volatile int[] contentGroups;

    /**
     * How float32 features reach the network. {@code STANDARDIZE}: per feature (x − mean) / std with mean and std of
     * the run's <b>train split only</b> (val statistics never leak into training), a missing value (NaN) becomes the
     * train mean; {@code NONE}: stored values, a missing value still becomes the train mean.
     */
    public enum FeatureScaling {
        NONE, STANDARDIZE
    }

    /**
     * A split that came with the data (a {@code train/} and {@code val/} folder, MNIST's train and t10k files): used
     * instead of Preflight's own, whatever seed and val fraction a run names.
     *
     * @param description what the split is, for reports: "folders train/ and val/"
     * @param val         sample indices of the val side, ascending; every other sample is train
     */
    public record GivenSplit(String description, int[] val) {
    }

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
        this(name, sampleShape, dtype, numClasses, labels, heap(name, data, sampleShape, dtype, labels.length),
                masks == null ? null : heap(name, masks, sampleShape, labels.length), classNames, skipped);
    }

    private static SampleBytes heap(String name, byte[] data, int[] sampleShape, DType dtype, int n) {
        int sampleBytes = Math.multiplyExact(Batch.sampleSize(sampleShape), dtype.bytes);
        if (data.length != (long) n * sampleBytes) {
            throw new IllegalArgumentException(name + ": " + data.length + " data bytes for " + n + " samples of " + sampleBytes);
        }
        return SampleBytes.inHeap(data.clone(), sampleBytes);
    }

    private static SampleBytes heap(String name, byte[] masks, int[] sampleShape, int n) {
        if (sampleShape.length != 3) {
            throw new IllegalArgumentException(name + ": masks need image samples [h, w, c], got " + Arrays.toString(sampleShape));
        }
        int maskBytes = sampleShape[0] * sampleShape[1];
        if (masks.length != (long) n * maskBytes) {
            throw new IllegalArgumentException(name + ": " + masks.length + " mask bytes for " + n + " masks of " + maskBytes);
        }
        return SampleBytes.inHeap(masks.clone(), maskBytes);
    }

    /**
     * A dataset over sample (and mask) records held elsewhere: in a memory-mapped store file, or written there by a
     * loader as it decoded. Checked as the array constructor checks: record sizes and counts, labels and mask ids in
     * range.
     *
     * @param data  {@code labels.length} records of {@code prod(sampleShape) * dtype.bytes} bytes
     * @param masks segmentation only (else null): {@code labels.length} records of H x W class ids
     */
    public Dataset(String name, int[] sampleShape, DType dtype, int numClasses, int[] labels, SampleBytes data, SampleBytes masks,
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
        if (data.recordBytes() != sampleBytes || data.count() != labels.length) {
            throw new IllegalArgumentException(name + ": " + data.count() + " samples of " + data.recordBytes() + " bytes for "
                    + labels.length + " labels and samples of " + sampleBytes);
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
            if (masks.recordBytes() != maskBytes || masks.count() != labels.length) {
                throw new IllegalArgumentException(name + ": " + masks.count() + " masks of " + masks.recordBytes() + " bytes for "
                        + labels.length + " samples with masks of " + maskBytes);
            }
            byte[] mask = new byte[maskBytes];
            for (int s = 0; s < labels.length; s++) {
                masks.copy(s, mask, 0);
                for (byte v : mask) {
                    if ((v & 0xFF) >= numClasses) {
                        throw new IllegalArgumentException(name + ": mask value " + (v & 0xFF) + " of sample " + s
                                + " outside [0, " + numClasses + ")");
                    }
                }
            }
            this.masks = masks;
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
        this.data = data;
    }

    /** A shallow copy sharing the (immutable) arrays, for the {@code with...} methods. */
    private Dataset(Dataset o) {
        this(o, o.sampleShape, o.data);
    }

    /** A shallow copy with other sample records ({@link #withSamples}). */
    private Dataset(Dataset o, int[] sampleShape, SampleBytes data) {
        this.name = o.name;
        this.sampleShape = sampleShape;
        this.dtype = o.dtype;
        this.numClasses = o.numClasses;
        this.labels = o.labels;
        this.data = data;
        this.masks = o.masks;
        this.targets = o.targets;
        this.classNames = o.classNames;
        this.skipped = o.skipped;
        this.sampleBytes = data.recordBytes();
        this.maskBytes = o.maskBytes;
        this.sources = o.sources;
        this.featureNames = o.featureNames;
        this.givenSplit = o.givenSplit;
        this.ignored = o.ignored;
        this.notes = o.notes;
        this.featureScaling = o.featureScaling;
        this.contentGroups = o.contentGroups;
    }

    /**
     * The same dataset read through other sample records of another shape: a run's resized view of an image dataset.
     * Labels, class names, sources, the given split and the content groups of the <b>stored</b> samples are kept, so
     * a run's split, subset and stream order are the same at every resolution.
     *
     * @param shape   the view's sample shape [h, w, c], c unchanged
     * @param samples one record of {@code prod(shape) * dtype.bytes} per sample
     * @throws IllegalArgumentException for a segmentation dataset (its masks would need the same view), another
     *                                  channel count, or records that do not match the shape or the sample count
     */
    public Dataset withSamples(int[] shape, SampleBytes samples) {
        if (isSegmentation()) {
            throw new IllegalArgumentException(name + ": a segmentation dataset's masks are not resized with its images");
        }
        if (!isImage() || shape.length != 3 || shape[2] != sampleShape[2]) {
            throw new IllegalArgumentException(name + ": a view of samples " + Arrays.toString(sampleShape) + " must be images with the same channels, got "
                    + Arrays.toString(shape));
        }
        if (samples.count() != labels.length || samples.recordBytes() != Math.multiplyExact(Batch.sampleSize(shape), dtype.bytes)) {
            throw new IllegalArgumentException(name + ": " + samples.count() + " records of " + samples.recordBytes() + " bytes for "
                    + labels.length + " samples of shape " + Arrays.toString(shape));
        }
        int[] groups = contentGroups(); // of the stored bytes: two samples alike only once shrunk stay apart
        Dataset d = new Dataset(this, shape.clone(), samples);
        d.contentGroups = groups;
        return d;
    }

    /** @param sources per sample, where it came from ("cats/001.jpg", "wine.csv:17"): evidence in reports */
    public Dataset withSources(List<String> sources) {
        if (sources.size() != labels.length) {
            throw new IllegalArgumentException(name + ": " + sources.size() + " sources for " + labels.length + " samples");
        }
        Dataset d = new Dataset(this);
        d.sources = List.copyOf(sources);
        return d;
    }

    /**
     * This dataset as the inputs of an image-to-image task: sample {@code i}'s target is record {@code i} of
     * {@code targets}, an image of the input's shape, uint8 like it.
     *
     * @throws IllegalArgumentException when the dataset has masks, is not uint8 images [h, w, c], or the target records
     *                                  differ in size or number from the samples
     */
    public Dataset withTargets(SampleBytes targets) {
        if (masks != null || dtype != DType.UINT8 || sampleShape.length != 3) {
            throw new IllegalArgumentException(name + ": target images need uint8 image inputs without masks, got "
                    + dtype + " " + Arrays.toString(sampleShape) + (masks != null ? " with masks" : ""));
        }
        if (targets.recordBytes() != sampleBytes || targets.count() != labels.length) {
            throw new IllegalArgumentException(name + ": " + targets.count() + " targets of " + targets.recordBytes()
                    + " bytes for " + labels.length + " samples of " + sampleBytes);
        }
        Dataset d = new Dataset(this);
        d.targets = targets;
        return d;
    }

    /** @param featureNames tabular only: one name per feature (after one-hot encoding: "island=Dream") */
    public Dataset withFeatureNames(List<String> featureNames) {
        if (sampleShape.length != 1 || featureNames.size() != sampleShape[0]) {
            throw new IllegalArgumentException(name + ": " + featureNames.size() + " feature names for samples of shape "
                    + Arrays.toString(sampleShape));
        }
        Dataset d = new Dataset(this);
        d.featureNames = List.copyOf(featureNames);
        return d;
    }

    /** @param split the split the data came with; its val indices must be distinct, in range and leave a train side */
    public Dataset withGivenSplit(GivenSplit split) {
        int[] val = split.val().clone();
        Arrays.sort(val);
        for (int i = 0; i < val.length; i++) {
            if (val[i] < 0 || val[i] >= labels.length || (i > 0 && val[i] == val[i - 1])) {
                throw new IllegalArgumentException(name + ": given val index " + val[i] + " is out of range or repeated");
            }
        }
        if (val.length == 0 || val.length == labels.length) {
            throw new IllegalArgumentException(name + ": a given split needs samples on both sides, val has " + val.length
                    + " of " + labels.length);
        }
        Dataset d = new Dataset(this);
        d.givenSplit = new GivenSplit(split.description(), val);
        return d;
    }

    /** @param ignored files that are not data (a README, sidecar .json files): listed, never counted as corrupt */
    public Dataset withIgnored(List<Skipped> ignored) {
        Dataset d = new Dataset(this);
        d.ignored = List.copyOf(ignored);
        return d;
    }

    /** @param notes what the loader noticed that explains a problem (an empty class whose images sit one folder deeper) */
    public Dataset withNotes(List<String> notes) {
        Dataset d = new Dataset(this);
        d.notes = List.copyOf(notes);
        return d;
    }

    /** @param scaling how float32 features are scaled for the network; see {@link FeatureScaling} */
    public Dataset withFeatureScaling(FeatureScaling scaling) {
        if (scaling != FeatureScaling.NONE && dtype != DType.FLOAT32) {
            throw new IllegalArgumentException(name + ": feature scaling needs float32 features, samples are " + dtype);
        }
        Dataset d = new Dataset(this);
        d.featureScaling = scaling;
        return d;
    }

    /** Where sample {@code i} came from, or "#i" when the loader did not say. */
    public String source(int i) {
        return sources == null ? "#" + i : sources.get(i);
    }

    /** Tabular feature names, or null. */
    public List<String> featureNames() {
        return featureNames;
    }

    /** The split the data came with, or null: then Preflight splits (stratified, duplicate-aware). */
    public GivenSplit givenSplit() {
        return givenSplit == null ? null : new GivenSplit(givenSplit.description(), givenSplit.val().clone());
    }

    public List<Skipped> ignored() {
        return ignored;
    }

    public List<String> notes() {
        return notes;
    }

    public FeatureScaling featureScaling() {
        return featureScaling;
    }

    /**
     * Per sample, the id of its content group: samples with identical input bytes share an id (whatever their labels or
     * masks: the same input on both sides of a split is leakage either way), ids numbered in order of first appearance.
     * SHA-256 per sample, computed once per dataset. What makes Preflight's own split duplicate-aware and what the
     * stats count as duplicates.
     */
    public int[] contentGroups() {
        int[] g = contentGroups;
        if (g == null) {
            java.security.MessageDigest sha;
            try {
                sha = java.security.MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JVM has SHA-256", e);
            }
            java.util.Map<java.nio.ByteBuffer, Integer> ids = new java.util.HashMap<>();
            g = new int[labels.length];
            byte[] buf = new byte[sampleBytes];
            for (int i = 0; i < labels.length; i++) {
                data.copy(i, buf, 0);
                sha.update(buf);
                g[i] = ids.computeIfAbsent(java.nio.ByteBuffer.wrap(sha.digest()), k -> ids.size());
            }
            contentGroups = g;
        }
        return g;
    }

    /**
     * The content groups as a store file kept them (what {@link #contentGroups()} computed when the store was
     * written), so a restarted service does not hash every sample again.
     *
     * @throws IllegalArgumentException when there is not one id per sample, or ids are not numbered by first appearance
     */
    public Dataset withContentGroups(int[] groups) {
        if (groups.length != labels.length) {
            throw new IllegalArgumentException(name + ": " + groups.length + " content groups for " + labels.length + " samples");
        }
        int next = 0;
        for (int g : groups) {
            if (g < 0 || g > next) {
                throw new IllegalArgumentException(name + ": content group " + g + " is not numbered by first appearance");
            }
            if (g == next) {
                next++;
            }
        }
        Dataset d = new Dataset(this);
        d.contentGroups = groups.clone();
        return d;
    }

    /** The sample records (read-only), for writing a store file. */
    public SampleBytes samples() {
        return data;
    }

    /** The target records of a paired dataset (read-only), or null. */
    public SampleBytes targets() {
        return targets;
    }

    /** Whether samples come with target images (an image-to-image task, trained as regression). */
    public boolean isPaired() {
        return targets != null;
    }

    /** Copies sample {@code sample}'s target image, verbatim, into {@code dest} at {@code offset}. */
    public void copyTarget(int sample, byte[] dest, int offset) {
        targets.copy(sample, dest, offset);
    }

    /** A copy of one sample's target image; null unless paired. */
    public byte[] target(int sample) {
        if (targets == null) {
            return null;
        }
        byte[] out = new byte[sampleBytes];
        targets.copy(sample, out, 0);
        return out;
    }

    /** The mask records (read-only), or null without masks. */
    public SampleBytes masks() {
        return masks;
    }

    /**
     * Bytes of sample and mask data this dataset holds in the Java heap: all of them for an in-heap dataset, 0 for one
     * backed by a store file (then the heap holds only labels, sources and the other O(samples) facts).
     */
    public long sampleHeapBytes() {
        return data.heapBytes() + (masks == null ? 0 : masks.heapBytes()) + (targets == null ? 0 : targets.heapBytes());
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
        data.copy(sample, dest, offset);
    }

    /** Copies sample {@code sample}'s mask, verbatim, into {@code dest} at {@code offset}. */
    public void copyMask(int sample, byte[] dest, int offset) {
        masks.copy(sample, dest, offset);
    }

    /** A copy of one sample's bytes. */
    public byte[] sample(int sample) {
        byte[] out = new byte[sampleBytes];
        data.copy(sample, out, 0);
        return out;
    }

    /** A copy of one sample's mask; null without masks. */
    public byte[] mask(int sample) {
        if (masks == null) {
            return null;
        }
        byte[] out = new byte[maskBytes];
        masks.copy(sample, out, 0);
        return out;
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
        byte[] mask = masks == null ? null : new byte[maskBytes];
        for (int s : samples) {
            if (masks == null) {
                counts[labels[s]]++;
            } else {
                masks.copy(s, mask, 0);
                for (byte v : mask) {
                    counts[v & 0xFF]++;
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
