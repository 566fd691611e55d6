package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import dev.preflight.wire.Batch;


/**
 * Validation batches. Deliberately takes nothing but the stored dataset and sample indices and copies the stored
 * bytes verbatim: there is no parameter through which an augmentation (or any other transform) could reach a val
 * batch, so val metrics always measure the model on the data as it is.
 */
public final class ValBatches {

    private ValBatches() {
    }

    /**
     * The samples at {@code indices} (and their masks), as stored; index 0, epoch 0 (a val batch is not part of any
     * stream). Also what dataset previews show: it is the one way to get stored samples out unchanged.
     */
    public static Batch build(Dataset dataset, int[] indices) {
        return build(dataset, indices, null);
    }

    /**
     * Like {@link #build(Dataset, int[])}, with the run's split's feature transform applied (tabular data: train
     * statistics, the same transform its train batches get; null for stored values). Scaling is the data's
     * representation, not an augmentation: it is deterministic and identical on both sides.
     */
    public static Batch build(Dataset dataset, int[] indices, FeatureScaler scaler) {
        if (indices.length == 0) {
            throw new IllegalArgumentException(dataset.name() + ": a val batch needs at least one sample");
        }
        int sampleBytes = dataset.sampleSize();
        int maskBytes = dataset.maskSize();
        int[] labels = new int[indices.length];
        byte[] data = new byte[indices.length * sampleBytes];
        byte[] masks = dataset.isSegmentation() ? new byte[indices.length * maskBytes] : null;
        PairedTargets targets = PairedTargets.of(dataset, indices.length);
        for (int j = 0; j < indices.length; j++) {
            labels[j] = dataset.label(indices[j]);
            if (targets != null) {
                targets.put(j, indices[j]);
            }
            dataset.copySample(indices[j], data, j * sampleBytes);
            if (masks != null) {
                dataset.copyMask(indices[j], masks, j * maskBytes);
            }
        }
        if (scaler != null) {
            scaler.apply(data, 0, indices.length);
        }
        // No stream metadata: class counts and weights describe a run's train stream, not a val sample.
        return new Batch(0, 0, dataset.dtype(), dataset.sampleShape(), dataset.numClasses(), labels, data, masks,
                targets == null ? null : targets.values(), targets == null ? 0 : targets.dim(), null, null);
    }
}
