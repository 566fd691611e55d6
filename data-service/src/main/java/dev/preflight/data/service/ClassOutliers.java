package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.DatasetStats;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Per class, the samples furthest from their class's mean (recipe, Karpathy 1: "look for outliers"; issue "How noisy are
 * the labels?": "per-class outliers"). Each sample is standardised per channel (per feature for tabular data) with the
 * dataset's channel std, so no channel dominates by its units; its distance is the Euclidean distance to the mean of its
 * class, and its {@code ratio} that distance over the class's median distance: a scale-free score that reads the same for
 * 28x28 digits and for four penguin measurements.
 *
 * <p>What the score finds, measured on real data: the furthest samples of real MNIST (t10k) are 1.3–2.0x the median of
 * their class, those of the penguins CSV 1.6–2.2x; an inverted or otherwise corrupted image is 3.5x. A sample of
 * another class is not far from the mean in pixel space (a "1" filed under "0": 1.24x), so this is a list to look at,
 * not a label-noise detector: the trained model's most surprising samples are.
 *
 * <p>Cost: two passes over the samples, a double and an int per element and class ({@link #MAX_MEAN_ELEMENTS} at most, beyond
 * which nothing is computed). Segmentation (per-pixel labels) and regression have no class means: none.
 */
final class ClassOutliers {

    /** Samples listed per class, furthest first. */
    static final int PER_CLASS = 5;
    /** Class-mean elements (classes x sample elements) beyond which outliers are not computed: 32 M, 384 MiB of sums and counts. */
    static final long MAX_MEAN_ELEMENTS = 32L << 20;

    private ClassOutliers() {
    }

    /** @param channelStd per channel (last axis), in stored units, as {@code channelMoments} gives it */
    static List<DatasetStats.ClassOutliers> of(Dataset d, double[] channelStd) {
        int classes = d.numClasses();
        int elements = Batch.sampleSize(d.sampleShape());
        if (d.isSegmentation() || classes < 1 || d.size() == 0 || (long) classes * elements > MAX_MEAN_ELEMENTS) {
            return null;
        }
        int channels = channelStd.length;
        double[] scale = new double[channels];
        for (int ch = 0; ch < channels; ch++) {
            scale[ch] = channelStd[ch] > 0 ? 1 / channelStd[ch] : 0;
        }
        double[][] mean = new double[classes][elements];
        // Per class and element: how many samples had a value there (float data may have missing cells).
        int[][] present = new int[classes][elements];
        float[] x = new float[elements];
        byte[] buf = new byte[d.sampleSize()];
        for (int i = 0; i < d.size(); i++) {
            int c = d.label(i);
            if (c < 0 || c >= classes) {
                continue;
            }
            standardised(d, i, buf, x, scale);
            double[] m = mean[c];
            int[] n = present[c];
            for (int e = 0; e < elements; e++) {
                if (!Float.isNaN(x[e])) {
                    m[e] += x[e];
                    n[e]++;
                }
            }
        }
        for (int c = 0; c < classes; c++) {
            for (int e = 0; e < elements; e++) {
                mean[c][e] = present[c][e] == 0 ? 0 : mean[c][e] / present[c][e];
            }
        }
        double[] distance = new double[d.size()];
        for (int i = 0; i < d.size(); i++) {
            int c = d.label(i);
            if (c < 0 || c >= classes) {
                distance[i] = Double.NaN;
                continue;
            }
            standardised(d, i, buf, x, scale);
            double sum = 0;
            double[] m = mean[c];
            for (int e = 0; e < elements; e++) {
                if (!Float.isNaN(x[e])) {
                    double diff = x[e] - m[e];
                    sum += diff * diff;
                }
            }
            distance[i] = Math.sqrt(sum);
        }
        List<DatasetStats.ClassOutliers> out = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            final int cls = c;
            int[] members = IntStream.range(0, d.size()).filter(i -> d.label(i) == cls).toArray();
            if (members.length < 2) {
                continue;
            }
            double[] sorted = Arrays.stream(members).mapToDouble(i -> distance[i]).sorted().toArray();
            double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
            List<DatasetStats.Outlier> furthest = Arrays.stream(members).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> -distance[i]).thenComparingInt(i -> i))
                    .limit(PER_CLASS)
                    .map(i -> new DatasetStats.Outlier(i, d.source(i), distance[i], median > 0 ? distance[i] / median : 0))
                    .toList();
            out.add(new DatasetStats.ClassOutliers(d.classNames().get(c), members.length, median, furthest));
        }
        return out;
    }

    /** Sample i as floats, each element divided by its channel's std; a missing (NaN) feature counts as the mean. */
    private static void standardised(Dataset d, int i, byte[] buf, float[] x, double[] scale) {
        d.copySample(i, buf, 0);
        int channels = scale.length;
        if (d.dtype() == DType.FLOAT32) {
            ByteBuffer.wrap(buf).asFloatBuffer().get(x);
            for (int e = 0; e < x.length; e++) {
                x[e] = Float.isNaN(x[e]) ? Float.NaN : (float) (x[e] * scale[e % channels]);
            }
        } else {
            for (int e = 0; e < x.length; e++) {
                x[e] = (float) ((buf[e] & 0xFF) * scale[e % channels]);
            }
        }
    }
}
