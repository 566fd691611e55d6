package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.DatasetStats;
import dev.preflight.data.model.Split;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The facts of a paired (image-to-image) dataset, in the network's units (stored level x {@link PairedTargets#SCALE},
 * exactly what batches carry): value ranges, pairs that teach nothing (input equal to target, flat targets), and, for
 * a run's split, the two baselines a generator must beat (identity output, mean target image) and the loss a model
 * that predicts the mean level starts at. One pass over the samples; O(sample size) memory.
 */
final class PairedStats {

    private static final int EXAMPLES = 10;

    private PairedStats() {
    }

    /** @param split the run's split, or null for no split facts (baselines then null) */
    static DatasetStats.Paired of(Dataset d, Split split) {
        int n = d.size();
        int dim = d.sampleSize();
        byte[] in = new byte[dim];
        byte[] out = new byte[dim];
        int inMin = 255;
        int inMax = 0;
        int outMin = 255;
        int outMax = 0;
        double sum = 0;
        double sq = 0;
        int identical = 0;
        List<String> identicalExamples = new ArrayList<>();
        int flat = 0;
        for (int i = 0; i < n; i++) {
            d.copySample(i, in, 0);
            d.copyTarget(i, out, 0);
            boolean isFlat = true;
            for (int k = 0; k < dim; k++) {
                int x = in[k] & 0xFF;
                int t = out[k] & 0xFF;
                inMin = Math.min(inMin, x);
                inMax = Math.max(inMax, x);
                outMin = Math.min(outMin, t);
                outMax = Math.max(outMax, t);
                sum += t;
                sq += (double) t * t;
                isFlat &= out[k] == out[0];
            }
            if (Arrays.equals(in, out)) {
                identical++;
                if (identicalExamples.size() < EXAMPLES) {
                    identicalExamples.add(d.source(i));
                }
            }
            flat += isFlat ? 1 : 0;
        }
        double values = (double) n * dim;
        double mean = sum / values;
        double std = Math.sqrt(Math.max(0, sq / values - mean * mean));
        Double identityL1 = null;
        Double meanTargetL1 = null;
        Double constantL1 = null;
        Double constantL2 = null;
        if (split != null && split.trainSize() > 0 && split.valSize() > 0) {
            double[] meanImage = new double[dim];
            double trainSum = 0;
            for (int i : split.train()) {
                d.copyTarget(i, out, 0);
                for (int k = 0; k < dim; k++) {
                    meanImage[k] += (out[k] & 0xFF);
                    trainSum += (out[k] & 0xFF);
                }
            }
            double trainValues = (double) split.trainSize() * dim;
            double mu = trainSum / trainValues;
            for (int k = 0; k < dim; k++) {
                meanImage[k] /= split.trainSize();
            }
            double abs = 0;
            double square = 0;
            for (int i : split.train()) {
                d.copyTarget(i, out, 0);
                for (int k = 0; k < dim; k++) {
                    double e = (out[k] & 0xFF) - mu;
                    abs += Math.abs(e);
                    square += e * e;
                }
            }
            double identityAbs = 0;
            double meanAbs = 0;
            for (int i : split.val()) {
                d.copySample(i, in, 0);
                d.copyTarget(i, out, 0);
                for (int k = 0; k < dim; k++) {
                    int t = out[k] & 0xFF;
                    identityAbs += Math.abs((in[k] & 0xFF) - t);
                    meanAbs += Math.abs(meanImage[k] - t);
                }
            }
            double valValues = (double) split.valSize() * dim;
            float s = PairedTargets.SCALE;
            identityL1 = identityAbs / valValues * s;
            meanTargetL1 = meanAbs / valValues * s;
            constantL1 = abs / trainValues * s;
            constantL2 = square / trainValues * s * s;
        }
        float s = PairedTargets.SCALE;
        return new DatasetStats.Paired(n, inMin * s, inMax * s, outMin * s, outMax * s, mean * s, std * s, identical,
                identicalExamples, flat, identityL1, meanTargetL1, constantL1, constantL2);
    }
}
