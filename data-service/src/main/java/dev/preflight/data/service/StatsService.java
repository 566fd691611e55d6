package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.DatasetStats;
import dev.preflight.data.model.Skipped;
import dev.preflight.data.model.Split;
import dev.preflight.wire.DType;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Dataset statistics: what the data-check stage judges. Content hashes are the expensive part (one SHA-256 per
 * sample); the dataset computes them once ({@link Dataset#contentGroups()}).
 */
@ApplicationScoped
public class StatsService {

    private static final int EXAMPLES = 10;
    private static final int LISTED_SKIPS = 100;

    /** @param splitSeed null for no split facts (then valFraction is null too) */
    public DatasetStats stats(Dataset d, Long splitSeed, Double valFraction) {
        int[] histogram = d.classCounts(d.allIndices());
        int max = 0;
        int min = Integer.MAX_VALUE;
        List<Integer> empty = new ArrayList<>();
        for (int c = 0; c < histogram.length; c++) {
            max = Math.max(max, histogram[c]);
            min = Math.min(min, histogram[c]);
            if (histogram[c] == 0) {
                empty.add(c);
            }
        }
        Double ratio = min == 0 ? null : (double) max / min;
        double[][] moments = channelMoments(d);
        List<List<Integer>> groups = groups(d);

        int dupGroups = 0;
        int dupSamples = 0;
        List<List<Integer>> dupExamples = new ArrayList<>();
        int conflictGroups = 0;
        int conflictSamples = 0;
        List<List<Integer>> conflictExamples = new ArrayList<>();
        for (List<Integer> g : groups) {
            dupGroups++;
            dupSamples += g.size();
            if (dupExamples.size() < EXAMPLES) {
                dupExamples.add(List.copyOf(g));
            }
            // Same input, different labels: the label is noise for at least one of them (segmentation labels are all 0).
            if (g.stream().map(d::label).distinct().count() > 1) {
                conflictGroups++;
                conflictSamples += g.size();
                if (conflictExamples.size() < EXAMPLES) {
                    conflictExamples.add(List.copyOf(g));
                }
            }
        }
        DatasetStats.SplitInfo splitInfo = null;
        DatasetStats.Leakage leakage = null;
        Split split = null;
        if (splitSeed != null) {
            split = Splits.forRun(d, splitSeed, valFraction);
            splitInfo = splitInfo(d, split, splitSeed, valFraction);
            leakage = leakage(d, groups, split, splitSeed, valFraction);
        }
        return new DatasetStats(d.name(), d.size(), d.sampleShape(), d.dtype().name().toLowerCase(), d.numClasses(),
                // A paired dataset has no classes (its one "class" is the wire's convention): no label space to diagnose.
                d.classNames(), histogram, ratio, empty, d.isPaired() ? List.of() : LabelSpace.diagnose(d, histogram), moments[0], moments[1],
                features(d), d.featureNames() == null ? null : d.featureScaling().name().toLowerCase(Locale.ROOT),
                new DatasetStats.Duplicates(dupGroups, dupSamples, dupExamples, sources(d, dupExamples)),
                new DatasetStats.Duplicates(conflictGroups, conflictSamples, conflictExamples, labelled(d, conflictExamples)),
                splitInfo, leakage, listed(d.skipped()), listed(d.ignored()), d.notes(),
                d.isPaired() ? null : ClassOutliers.of(d, moments[1]), d.isPaired() ? PairedStats.of(d, split) : null);
    }

    private static DatasetStats.SkippedFiles listed(List<Skipped> files) {
        return new DatasetStats.SkippedFiles(files.size(), files.subList(0, Math.min(LISTED_SKIPS, files.size())));
    }

    private static List<List<String>> sources(Dataset d, List<List<Integer>> groups) {
        return groups.stream().map(g -> g.stream().map(d::source).toList()).toList();
    }

    /** Sources with their class: "a.jpg (cat)". */
    private static List<List<String>> labelled(Dataset d, List<List<Integer>> groups) {
        return groups.stream().map(g -> g.stream().map(i -> d.source(i) + " (" + d.classNames().get(d.label(i)) + ")").toList()).toList();
    }

    private static DatasetStats.SplitInfo splitInfo(Dataset d, Split split, long seed, double valFraction) {
        Dataset.GivenSplit given = d.givenSplit();
        String description = given != null ? given.description()
                : String.format(Locale.ROOT, "stratified, duplicate-aware (seed %d, val fraction %s)", seed, valFraction);
        List<String> missingTrain = new ArrayList<>();
        List<String> missingVal = new ArrayList<>();
        if (!d.isSegmentation()) {
            int[] train = d.classCounts(split.train());
            int[] val = d.classCounts(split.val());
            int[] all = d.classCounts(d.allIndices());
            for (int c = 0; c < all.length; c++) {
                // An empty class is a label-space problem, reported there; here: classes one side of the split lacks.
                if (all[c] > 0 && train[c] == 0) {
                    missingTrain.add(d.classNames().get(c));
                }
                if (all[c] > 0 && val[c] == 0) {
                    missingVal.add(d.classNames().get(c));
                }
            }
        }
        return new DatasetStats.SplitInfo(given != null, description, split.trainSize(), split.valSize(), missingTrain, missingVal);
    }

    private static DatasetStats.Leakage leakage(Dataset d, List<List<Integer>> groups, Split split, long seed, double valFraction) {
        boolean[] isVal = new boolean[d.size()];
        for (int v : split.val()) {
            isVal[v] = true;
        }
        int leakGroups = 0;
        int leakSamples = 0;
        int leakVal = 0;
        List<DatasetStats.LeakExample> examples = new ArrayList<>();
        for (List<Integer> g : groups) {
            List<Integer> train = new ArrayList<>();
            List<Integer> val = new ArrayList<>();
            for (int i : g) {
                (isVal[i] ? val : train).add(i);
            }
            if (!train.isEmpty() && !val.isEmpty()) {
                leakGroups++;
                leakSamples += g.size();
                leakVal += val.size();
                if (examples.size() < EXAMPLES) {
                    examples.add(new DatasetStats.LeakExample(train, val, train.stream().map(d::source).toList(),
                            val.stream().map(d::source).toList()));
                }
            }
        }
        return new DatasetStats.Leakage(seed, valFraction, split.trainSize(), split.valSize(), leakGroups, leakSamples, leakVal, examples);
    }

    /** Groups of two or more identical samples, in order of first appearance. */
    private static List<List<Integer>> groups(Dataset d) {
        int[] groupOf = d.contentGroups();
        Map<Integer, List<Integer>> byGroup = new LinkedHashMap<>();
        for (int i = 0; i < groupOf.length; i++) {
            byGroup.computeIfAbsent(groupOf[i], k -> new ArrayList<>(1)).add(i);
        }
        return byGroup.values().stream().filter(g -> g.size() > 1).toList();
    }

    /** Tabular datasets: per feature, range and moments over all samples, NaN (missing) cells counted and left out. */
    private static List<DatasetStats.FeatureRange> features(Dataset d) {
        List<String> names = d.featureNames();
        if (names == null || d.dtype() != DType.FLOAT32) {
            return null;
        }
        int n = names.size();
        double[] lo = new double[n];
        double[] hi = new double[n];
        double[] sum = new double[n];
        double[] sq = new double[n];
        int[] count = new int[n];
        int[] missing = new int[n];
        java.util.Arrays.fill(lo, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(hi, Double.NEGATIVE_INFINITY);
        byte[] buf = new byte[d.sampleSize()];
        for (int i = 0; i < d.size(); i++) {
            d.copySample(i, buf, 0);
            ByteBuffer b = ByteBuffer.wrap(buf);
            for (int f = 0; f < n; f++) {
                float v = b.getFloat(f * 4);
                if (Float.isNaN(v)) {
                    missing[f]++;
                    continue;
                }
                lo[f] = Math.min(lo[f], v);
                hi[f] = Math.max(hi[f], v);
                sum[f] += v;
                sq[f] += (double) v * v;
                count[f]++;
            }
        }
        List<DatasetStats.FeatureRange> out = new ArrayList<>(n);
        for (int f = 0; f < n; f++) {
            double mean = count[f] == 0 ? Double.NaN : sum[f] / count[f];
            double std = count[f] == 0 ? Double.NaN : Math.sqrt(Math.max(0, sq[f] / count[f] - mean * mean));
            out.add(new DatasetStats.FeatureRange(names.get(f), count[f] == 0 ? Double.NaN : lo[f], count[f] == 0 ? Double.NaN : hi[f],
                    mean, std, missing[f]));
        }
        return out;
    }

    /** Mean and population std per channel (last axis of an image; per feature for tabular samples). */
    private static double[][] channelMoments(Dataset d) {
        int[] shape = d.sampleShape();
        int channels = shape[shape.length - 1];
        int elements = dev.preflight.wire.Batch.sampleSize(shape);
        double[] sum = new double[channels];
        double[] sq = new double[channels];
        long[] count = new long[channels];
        byte[] buf = new byte[d.sampleSize()];
        float[] f = new float[elements];
        for (int i = 0; i < d.size(); i++) {
            d.copySample(i, buf, 0);
            if (d.dtype() == DType.FLOAT32) {
                ByteBuffer.wrap(buf).asFloatBuffer().get(f);
            }
            for (int e = 0; e < elements; e++) {
                double v = d.dtype() == DType.UINT8 ? (buf[e] & 0xFF) : f[e];
                if (Double.isNaN(v)) {
                    continue;
                }
                sum[e % channels] += v;
                sq[e % channels] += v * v;
                count[e % channels]++;
            }
        }
        double[] mean = new double[channels];
        double[] std = new double[channels];
        for (int ch = 0; ch < channels; ch++) {
            mean[ch] = count[ch] == 0 ? 0 : sum[ch] / count[ch];
            std[ch] = count[ch] == 0 ? 0 : Math.sqrt(Math.max(0, sq[ch] / count[ch] - mean[ch] * mean[ch]));
        }
        return new double[][]{mean, std};
    }
}
