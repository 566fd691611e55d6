package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.Split;
import dev.preflight.wire.DType;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * How a tabular (float32) dataset's features reach the network for one split: per feature, the train split's mean
 * fills missing values (NaN), and with {@link Dataset.FeatureScaling#STANDARDIZE} every value becomes
 * {@code (x - mean) / std}. Mean and population std come from the <b>train split only</b>, so nothing about the val
 * samples reaches training (the recipe's "never touch the val set" extends to its statistics). Train and val batches
 * of a run get the very same transform: a val metric measures the model on data represented as in training.
 *
 * <p>Why here and not at load time: the statistics depend on the split, which each run chooses. A feature with std 0
 * on train (a constant column) is only centred. Fitting is one pass over the train rows; fitted scalers are kept per
 * dataset and train split.
 */
public final class FeatureScaler {

    private static final Map<Dataset, Map<TrainKey, FeatureScaler>> CACHE = Collections.synchronizedMap(new WeakHashMap<>());

    private final float[] mean;
    private final float[] inverseStd;
    private final boolean standardize;

    private FeatureScaler(float[] mean, float[] inverseStd, boolean standardize) {
        this.mean = mean;
        this.inverseStd = inverseStd;
        this.standardize = standardize;
    }

    /**
     * The scaler of {@code split}, or null when the dataset's stored values go to the network as they are (uint8
     * images; float32 features with scaling NONE and no missing value).
     */
    public static FeatureScaler of(Dataset d, Split split) {
        if (d.dtype() != DType.FLOAT32) {
            return null;
        }
        Map<TrainKey, FeatureScaler> perSplit = CACHE.computeIfAbsent(d, k -> Collections.synchronizedMap(new HashMap<>()));
        FeatureScaler s = perSplit.computeIfAbsent(new TrainKey(split.train()), k -> fit(d, k.train()));
        return s.isIdentity() ? null : s;
    }

    /** Mean and std of each feature over {@code train}, NaN cells left out (a feature missing everywhere gets 0 and 1). */
    static FeatureScaler fit(Dataset d, int[] train) {
        int features = d.sampleSize() / 4;
        double[] sum = new double[features];
        double[] sq = new double[features];
        long[] count = new long[features];
        boolean anyMissing = false;
        byte[] buf = new byte[d.sampleSize()];
        for (int i : train) {
            d.copySample(i, buf, 0);
            ByteBuffer b = ByteBuffer.wrap(buf);
            for (int f = 0; f < features; f++) {
                float v = b.getFloat(f * 4);
                if (Float.isNaN(v)) {
                    anyMissing = true;
                    continue;
                }
                sum[f] += v;
                sq[f] += (double) v * v;
                count[f]++;
            }
        }
        // Missing values in val rows must be filled too, even when every train row is complete.
        for (int i = 0; i < d.size() && !anyMissing; i++) {
            d.copySample(i, buf, 0);
            ByteBuffer b = ByteBuffer.wrap(buf);
            for (int f = 0; f < features && !anyMissing; f++) {
                anyMissing = Float.isNaN(b.getFloat(f * 4));
            }
        }
        boolean standardize = d.featureScaling() == Dataset.FeatureScaling.STANDARDIZE;
        if (!standardize && !anyMissing) {
            return new FeatureScaler(null, null, false);
        }
        float[] mean = new float[features];
        float[] inv = new float[features];
        for (int f = 0; f < features; f++) {
            double m = count[f] == 0 ? 0 : sum[f] / count[f];
            double var = count[f] == 0 ? 0 : Math.max(0, sq[f] / count[f] - m * m);
            mean[f] = (float) m;
            inv[f] = !standardize || var == 0 ? 1f : (float) (1 / Math.sqrt(var));
        }
        return new FeatureScaler(mean, inv, standardize);
    }

    private boolean isIdentity() {
        return mean == null;
    }

    /** Whether values are standardised (else only missing values are filled). */
    boolean standardizes() {
        return standardize;
    }

    /** Per feature, the train mean. */
    public float[] mean() {
        return mean.clone();
    }

    /**
     * Transforms {@code samples} consecutive big-endian float32 samples in place, starting at byte {@code offset}:
     * NaN becomes the train mean, then {@code (x - mean) * inverseStd} (inverseStd 1 without standardisation).
     */
    public void apply(byte[] data, int offset, int samples) {
        ByteBuffer b = ByteBuffer.wrap(data);
        int features = mean.length;
        for (int s = 0; s < samples; s++) {
            int base = offset + s * features * 4;
            for (int f = 0; f < features; f++) {
                int at = base + f * 4;
                float v = b.getFloat(at);
                if (Float.isNaN(v)) {
                    v = mean[f];
                }
                b.putFloat(at, standardize ? (v - mean[f]) * inverseStd[f] : v);
            }
        }
    }

    /** A train split as a map key: equal arrays, equal key. */
    private record TrainKey(int[] train) {
        @Override
        public boolean equals(Object o) {
            return o instanceof TrainKey k && Arrays.equals(train, k.train);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(train);
        }
    }
}
