package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.Split;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;
import dev.preflight.wire.DataConfig;

/**
 * A run's train batches. The sample stream is the concatenation of epochs, each a fresh permutation of the train
 * subset seeded by (data seed, epoch), cut into batches of the effective batch size; a batch may straddle two epochs
 * and then carries the epoch of its first sample. Batch i is a pure function of the spec, so any batch can be
 * rebuilt on its own: a restarted stream resumes at the topic's end offset and writes exactly what it would have.
 *
 * <p>This is the only place that will ever transform train samples (augmentation belongs here); the val path is a
 * separate type, {@link ValBatches}, that cannot be given one. Not thread-safe: one instance per stream.
 */
public final class TrainBatches {

    private final Dataset dataset;
    private final int[] subset;
    private final long seed;
    private final int batchSize;
    private final int[] sampleShape;

    // Two epochs cached: a batch that straddles an epoch boundary needs both.
    private int epochA = -1;
    private int[] orderA;
    private int epochB = -1;
    private int[] orderB;

    public TrainBatches(Dataset dataset, int[] subset, long seed, int batchSize) {
        if (subset.length == 0) {
            throw new IllegalArgumentException(dataset.name() + ": the train subset is empty");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, was " + batchSize);
        }
        this.dataset = dataset;
        this.subset = subset.clone();
        this.seed = seed;
        this.batchSize = batchSize;
        this.sampleShape = dataset.sampleShape();
    }

    /**
     * The batches a run's data config asks for: split by (seed, valFraction), subset by (seed, subsetSize), batch
     * size capped at the subset size.
     *
     * @throws IllegalArgumentException when the config does not fit the dataset (e.g. a subset larger than train)
     */
    public static TrainBatches forRun(Dataset dataset, DataConfig data) {
        Split split = Splits.stratified(dataset, data.seed(), data.valFraction());
        int[] subset = Splits.subset(split.train(), data.seed(), data.subsetSize());
        return new TrainBatches(dataset, subset, data.seed(), data.effectiveBatchSize(subset.length));
    }

    public int batchSize() {
        return batchSize;
    }

    public int subsetSize() {
        return subset.length;
    }

    /** The order in which epoch {@code epoch} visits the subset: sample indices of the dataset. */
    public int[] epochOrder(int epoch) {
        return order(epoch).clone();
    }

    public Batch batch(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("batch index must be >= 0, was " + index);
        }
        int n = subset.length;
        long first = Math.multiplyExact(index, (long) batchSize);
        int sampleBytes = dataset.sampleSize();
        int[] labels = new int[batchSize];
        byte[] data = new byte[batchSize * sampleBytes];
        for (int j = 0; j < batchSize; j++) {
            long position = first + j;
            int sample = order(Math.toIntExact(position / n))[(int) (position % n)];
            labels[j] = dataset.label(sample);
            dataset.copySample(sample, data, j * sampleBytes);
        }
        return new Batch(index, Math.toIntExact(first / n), DType.UINT8, sampleShape, dataset.numClasses(), labels, data);
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
