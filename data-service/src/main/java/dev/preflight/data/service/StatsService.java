package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.DatasetStats;
import dev.preflight.data.model.Split;
import dev.preflight.wire.DType;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Dataset statistics. Content hashes are the expensive part (one SHA-256 per sample), so they are computed once per
 * dataset instance and kept as long as the dataset is.
 */
@ApplicationScoped
public class StatsService {

    private static final int EXAMPLES = 10;
    private static final int LISTED_SKIPS = 100;

    private final Map<Dataset, Map<ByteKey, List<Integer>>> groupsByDataset = Collections.synchronizedMap(new WeakHashMap<>());

    /** @param splitSeed null for no leakage check (then valFraction is null too) */
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
        Map<ByteKey, List<Integer>> groups = groupsByDataset.computeIfAbsent(d, StatsService::hashGroups);

        int dupGroups = 0;
        int dupSamples = 0;
        List<List<Integer>> dupExamples = new ArrayList<>();
        for (List<Integer> g : groups.values()) {
            if (g.size() > 1) {
                dupGroups++;
                dupSamples += g.size();
                if (dupExamples.size() < EXAMPLES) {
                    dupExamples.add(List.copyOf(g));
                }
            }
        }
        DatasetStats.Leakage leakage = splitSeed == null ? null : leakage(d, groups, splitSeed, valFraction);
        DatasetStats.SkippedFiles skipped = new DatasetStats.SkippedFiles(d.skipped().size(),
                d.skipped().subList(0, Math.min(LISTED_SKIPS, d.skipped().size())));
        return new DatasetStats(d.name(), d.size(), d.sampleShape(), d.dtype().name().toLowerCase(), d.numClasses(),
                d.classNames(), histogram, ratio, empty, moments[0], moments[1],
                new DatasetStats.Duplicates(dupGroups, dupSamples, dupExamples), leakage, skipped);
    }

    private static DatasetStats.Leakage leakage(Dataset d, Map<ByteKey, List<Integer>> groups, long seed, double valFraction) {
        Split split = Splits.stratified(d, seed, valFraction);
        boolean[] isVal = new boolean[d.size()];
        for (int v : split.val()) {
            isVal[v] = true;
        }
        int leakGroups = 0;
        int leakSamples = 0;
        List<DatasetStats.LeakExample> examples = new ArrayList<>();
        for (List<Integer> g : groups.values()) {
            if (g.size() < 2) {
                continue;
            }
            List<Integer> train = new ArrayList<>();
            List<Integer> val = new ArrayList<>();
            for (int i : g) {
                (isVal[i] ? val : train).add(i);
            }
            if (!train.isEmpty() && !val.isEmpty()) {
                leakGroups++;
                leakSamples += g.size();
                if (examples.size() < EXAMPLES) {
                    examples.add(new DatasetStats.LeakExample(train, val));
                }
            }
        }
        return new DatasetStats.Leakage(seed, valFraction, split.trainSize(), split.valSize(), leakGroups, leakSamples, examples);
    }

    /** Identical samples grouped by content, in order of first appearance. */
    private static Map<ByteKey, List<Integer>> hashGroups(Dataset d) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        Map<ByteKey, List<Integer>> groups = new LinkedHashMap<>();
        byte[] buf = new byte[d.sampleSize()];
        for (int i = 0; i < d.size(); i++) {
            d.copySample(i, buf, 0);
            groups.computeIfAbsent(new ByteKey(sha.digest(buf)), k -> new ArrayList<>(1)).add(i);
        }
        return groups;
    }

    /** Mean and population std per channel (last axis of an image; per feature for tabular samples). */
    private static double[][] channelMoments(Dataset d) {
        int[] shape = d.sampleShape();
        int channels = shape[shape.length - 1];
        int elements = dev.preflight.wire.Batch.sampleSize(shape);
        double[] sum = new double[channels];
        double[] sq = new double[channels];
        byte[] buf = new byte[d.sampleSize()];
        float[] f = new float[elements];
        for (int i = 0; i < d.size(); i++) {
            d.copySample(i, buf, 0);
            if (d.dtype() == DType.FLOAT32) {
                ByteBuffer.wrap(buf).asFloatBuffer().get(f);
            }
            for (int e = 0; e < elements; e++) {
                double v = d.dtype() == DType.UINT8 ? (buf[e] & 0xFF) : f[e];
                sum[e % channels] += v;
                sq[e % channels] += v * v;
            }
        }
        double perChannel = (double) d.size() * elements / channels;
        double[] mean = new double[channels];
        double[] std = new double[channels];
        for (int ch = 0; ch < channels; ch++) {
            mean[ch] = sum[ch] / perChannel;
            std[ch] = Math.sqrt(Math.max(0, sq[ch] / perChannel - mean[ch] * mean[ch]));
        }
        return new double[][]{mean, std};
    }

    /** A digest as a map key. */
    private record ByteKey(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ByteKey k && java.util.Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(bytes);
        }
    }
}
