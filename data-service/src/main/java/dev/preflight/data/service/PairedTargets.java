package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;

/**
 * The regression targets of a batch of a paired (image-to-image) dataset: each sample's target image as
 * {@code H * W * C} floats in [0, 1] (stored level / 255, the scale the trainer gives uint8 inputs), so a batch
 * carries {@code count x targetDim} target values with {@code targetDim = H * W * C}, the wire's regression format.
 * Train and val batches fill it the same way.
 */
final class PairedTargets {

    /** Stored uint8 levels to the [0, 1] scale the trainer gives uint8 inputs. */
    static final float SCALE = 1f / 255f;

    private final Dataset dataset;
    private final int dim;
    private final float[] values;
    private final byte[] buf;

    private PairedTargets(Dataset dataset, int count) {
        this.dataset = dataset;
        this.dim = dataset.sampleSize();
        this.values = new float[Math.multiplyExact(count, dim)];
        this.buf = new byte[dim];
    }

    /** Targets for {@code count} samples, or null when the dataset is not paired. */
    static PairedTargets of(Dataset dataset, int count) {
        return dataset.isPaired() ? new PairedTargets(dataset, count) : null;
    }

    /** Puts dataset sample {@code sample}'s target at batch position {@code j}. */
    void put(int j, int sample) {
        dataset.copyTarget(sample, buf, 0);
        for (int k = 0; k < dim; k++) {
            values[j * dim + k] = (buf[k] & 0xFF) * SCALE;
        }
    }

    float[] values() {
        return values;
    }

    int dim() {
        return dim;
    }
}
