package dev.preflight.data.service;

import dev.preflight.wire.SeededRandom;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.Split;
import dev.preflight.wire.Augmentation;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DataConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * A run's train batches. The sample stream is the concatenation of epochs, each a fresh permutation of the train
 * subset seeded by (data seed, epoch), cut into batches of the effective batch size; a batch may straddle two epochs
 * and then carries the epoch of its first sample. Batch i is a pure function of the spec, so any batch can be
 * rebuilt on its own: a restarted stream resumes at the topic's end offset and writes exactly what it would have.
 *
 * <p>With {@code balance = sampling} the sample at stream position p is instead drawn by a generator seeded with
 * (seed, p): a class uniformly among those present in the subset, then a sample of that class uniformly; epochs are
 * then nominal (p / subset size). With {@code balance = weights} every batch carries the inverse-frequency class
 * weights ({@link ClassBalance}); every batch carries the subset's class counts.
 *
 * <p>Tabular features are first scaled by the split's {@link FeatureScaler} (train statistics; val batches get the
 * same transform). This is the only place that transforms samples beyond that (augmentation, seeded by (seed, stream position), so the same
 * batch index always gives the same bytes); the val path is a separate type, {@link ValBatches}, that cannot be
 * given an augmentation. Not thread-safe: one instance per stream.
 */
public final class TrainBatches {

    private final Dataset dataset;
    private final int[] subset;
    private final long seed;
    private final int batchSize;
    private final int[] sampleShape;
    private final Augmenter augmenter;
    private final boolean balancedSampling;
    private final int[] classCounts;
    private final float[] classWeights;
    private final int[] presentClasses;
    private final int[][] byClass;
    /** The split's feature transform (tabular data), applied before augmentation; null for stored values. */
    private FeatureScaler scaler;
    /** Fault drill "shuffleLabels": sample index -> the label it is trained with; null when labels are true. */
    private java.util.Map<Integer, Integer> shuffledLabels;

    // Two epochs cached: a batch that straddles an epoch boundary needs both.
    private int epochA = -1;
    private int[] orderA;
    private int epochB = -1;
    private int[] orderB;

    /** Plain batches: no augmentation, no balancing. */
    public TrainBatches(Dataset dataset, int[] subset, long seed, int batchSize) {
        this(dataset, subset, seed, batchSize, null, DataConfig.BALANCE_NONE);
    }

    /**
     * @param augment null or the augmentations to apply
     * @param balance none, weights or sampling
     */
    public TrainBatches(Dataset dataset, int[] subset, long seed, int batchSize, Augmentation augment, String balance) {
        if (subset.length == 0) {
            throw new IllegalArgumentException(dataset.name() + ": the train subset is empty");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, was " + batchSize);
        }
        if (!DataConfig.BALANCES.contains(balance)) {
            throw new IllegalArgumentException("data.balance '" + balance + "' is unknown");
        }
        this.dataset = dataset;
        this.subset = subset.clone();
        this.seed = seed;
        this.batchSize = batchSize;
        this.sampleShape = dataset.sampleShape();
        this.augmenter = augment != null && augment.any() ? new Augmenter(augment, dataset) : null;
        this.classCounts = dataset.classCounts(this.subset);
        this.classWeights = DataConfig.BALANCE_WEIGHTS.equals(balance) ? ClassBalance.inverseFrequencyWeights(classCounts) : null;
        this.balancedSampling = DataConfig.BALANCE_SAMPLING.equals(balance);
        if (dataset.isPaired() && this.augmenter != null) {
            // Geometric augmentation would have to move the target with the input; noise would corrupt the mapping.
            throw new IllegalArgumentException("data.augment is not supported on paired (image-to-image) data: "
                    + dataset.name() + " would need every transform applied to input and target alike");
        }
        if (dataset.isPaired() && !DataConfig.BALANCE_NONE.equals(balance)) {
            throw new IllegalArgumentException("data.balance " + balance + " needs classes; " + dataset.name()
                    + " is a paired (image-to-image) dataset");
        }
        if (balancedSampling && dataset.isSegmentation()) {
            throw new IllegalArgumentException("data.balance sampling needs one label per sample; " + dataset.name()
                    + " is a segmentation dataset (use weights, computed from mask pixels)");
        }
        int[] labelCounts = new int[dataset.numClasses()];
        for (int s : this.subset) {
            labelCounts[dataset.label(s)]++;
        }
        this.byClass = new int[labelCounts.length][];
        List<Integer> present = new ArrayList<>();
        for (int c = 0; c < labelCounts.length; c++) {
            byClass[c] = new int[labelCounts[c]];
            if (labelCounts[c] > 0) {
                present.add(c);
            }
        }
        int[] fill = new int[labelCounts.length];
        for (int s : this.subset) {
            int c = dataset.label(s);
            byClass[c][fill[c]++] = s;
        }
        this.presentClasses = present.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The batches a run's data config asks for: split by (seed, valFraction), subset by (seed, subsetSize or
     * subsetFraction), batch size capped at the subset size, samples at the run's {@link Resolution}, augmentation and
     * balancing as configured.
     *
     * @throws IllegalArgumentException when the config does not fit the dataset (e.g. a subset larger than train)
     */
    public static TrainBatches forRun(Dataset dataset, DataConfig data) {
        Split split = Splits.forRun(dataset, data.seed(), data.valFraction());
        int[] subset = Splits.subset(split.train(), data.seed(), data.effectiveSubsetSize(split.trainSize()));
        // The split and subset are the stored data's; only the samples are read at the run's resolution.
        TrainBatches batches = new TrainBatches(Resolution.view(dataset, data.resolution()), subset, data.seed(),
                data.effectiveBatchSize(subset.length),
                data.activeAugmentation(), data.balanceMode());
        batches.scaler = FeatureScaler.of(dataset, split);
        if (data.faultsOrNone().shuffled()) {
            batches.shuffleLabels();
        }
        return batches;
    }

    /**
     * Fault drill: every train sample gets the label of another one (a seeded permutation of the subset's labels, so
     * class counts stay the same and the run stays reproducible). Inputs no longer predict labels; val stays true.
     */
    void shuffleLabels() {
        int[] labels = new int[subset.length];
        for (int i = 0; i < subset.length; i++) {
            labels[i] = dataset.label(subset[i]);
        }
        SeededRandom rng = SeededRandom.derive(seed, SeededRandom.SHUFFLE_LABELS, 0);
        for (int i = labels.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = labels[i];
            labels[i] = labels[j];
            labels[j] = t;
        }
        shuffledLabels = new java.util.HashMap<>();
        for (int i = 0; i < subset.length; i++) {
            shuffledLabels.put(subset[i], labels[i]);
        }
    }

    public int batchSize() {
        return batchSize;
    }

    public int subsetSize() {
        return subset.length;
    }

    /** The train subset's class histogram (mask pixels for segmentation), as every batch carries it. */
    public int[] classCounts() {
        return classCounts.clone();
    }

    /** The class weights every batch carries, or null unless balancing by weights. */
    public float[] classWeights() {
        return classWeights == null ? null : classWeights.clone();
    }

    /** The order in which epoch {@code epoch} visits the subset: sample indices of the dataset. */
    public int[] epochOrder(int epoch) {
        return order(epoch).clone();
    }

    /** The dataset sample at stream position {@code position}. */
    public int sampleAt(long position) {
        int n = subset.length;
        if (balancedSampling) {
            SeededRandom rng = SeededRandom.derive(seed, SeededRandom.BALANCE, position);
            int[] members = byClass[presentClasses[rng.nextInt(presentClasses.length)]];
            return members[rng.nextInt(members.length)];
        }
        return order(Math.toIntExact(position / n))[(int) (position % n)];
    }

    /**
     * The batch at offset {@code offset} of a run's own stream: position {@code offset} of the sample stream, or for a
     * continued run ({@code RunSpec.continueFrom}) position {@code firstStep + offset}, the batch its source run would
     * have read next; its index is the offset either way.
     */
    public Batch streamBatch(int firstStep, long offset) {
        return firstStep == 0 ? batch(offset) : batch(firstStep + offset).withIndex(offset);
    }

    public Batch batch(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("batch index must be >= 0, was " + index);
        }
        int n = subset.length;
        long first = Math.multiplyExact(index, (long) batchSize);
        int sampleBytes = dataset.sampleSize();
        int maskBytes = dataset.maskSize();
        int[] labels = new int[batchSize];
        byte[] data = new byte[batchSize * sampleBytes];
        byte[] masks = dataset.isSegmentation() ? new byte[batchSize * maskBytes] : null;
        PairedTargets targets = PairedTargets.of(dataset, batchSize);
        for (int j = 0; j < batchSize; j++) {
            long position = first + j;
            int sample = sampleAt(position);
            if (targets != null) {
                targets.put(j, sample);
            }
            labels[j] = shuffledLabels == null ? dataset.label(sample) : shuffledLabels.get(sample);
            dataset.copySample(sample, data, j * sampleBytes);
            if (scaler != null) {
                scaler.apply(data, j * sampleBytes, 1);
            }
            if (masks != null) {
                dataset.copyMask(sample, masks, j * maskBytes);
            }
            if (augmenter != null) {
                augmenter.apply(SeededRandom.derive(seed, SeededRandom.AUGMENT, position), data, j * sampleBytes, masks, j * maskBytes);
            }
        }
        return new Batch(index, Math.toIntExact(first / n), dataset.dtype(), sampleShape, dataset.numClasses(), labels, data,
                masks, targets == null ? null : targets.values(), targets == null ? 0 : targets.dim(), classCounts.clone(),
                classWeights == null ? null : classWeights.clone());
    }

    private int[] order(int epoch) {
        if (epoch == epochA) {
            return orderA;
        }
        if (epoch == epochB) {
            return orderB;
        }
        int[] order = subset.clone();
        SeededRandom.derive(seed, SeededRandom.EPOCH, epoch).shuffle(order);
        // Batches move forward, so the older epoch is the one to drop.
        if (epochA < epochB) {
            epochA = epoch;
            orderA = order;
        } else {
            epochB = epoch;
            orderB = order;
        }
        return order;
    }
}
