package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.Split;

import java.util.Arrays;

/**
 * Deterministic train/val splits and train subsets: pure functions of their inputs, so the data-service computes the
 * same split for a run's train stream and, later, for the eval-service's val batches, without storing either. They
 * are recomputed per request rather than cached: a split is one pass over the labels, cheaper than a val batch's
 * encoding.
 */
public final class Splits {

    private Splits() {
    }

    /**
     * Per class: that class's indices, shuffled by a generator seeded from (seed, class); the first
     * {@code round(valFraction * n)} go to val, the rest to train. Stratified so a small val set still has every
     * class in its real proportion. A class of n >= 2 samples puts at least 1 in val and keeps at least 1 in train,
     * so neither side ever lacks a class; a class of one sample stays in train.
     */
    public static Split stratified(Dataset dataset, long seed, double valFraction) {
        if (!(valFraction > 0 && valFraction < 1)) {
            throw new IllegalArgumentException("valFraction must be in (0, 1), was " + valFraction);
        }
        int[] counts = dataset.classHistogram();
        int[][] byClass = new int[counts.length][];
        for (int c = 0; c < counts.length; c++) {
            byClass[c] = new int[counts[c]];
        }
        int[] fill = new int[counts.length];
        for (int i = 0; i < dataset.size(); i++) {
            int c = dataset.label(i);
            byClass[c][fill[c]++] = i;
        }
        int valTotal = 0;
        int[] valCounts = new int[counts.length];
        for (int c = 0; c < counts.length; c++) {
            int n = counts[c];
            int k = (int) Math.round(valFraction * n);
            valCounts[c] = n >= 2 ? Math.max(1, Math.min(n - 1, k)) : 0;
            valTotal += valCounts[c];
        }
        int[] val = new int[valTotal];
        int[] train = new int[dataset.size() - valTotal];
        int v = 0;
        int t = 0;
        for (int c = 0; c < counts.length; c++) {
            int[] indices = byClass[c];
            SeededRandom.derive(seed, SeededRandom.SPLIT, c).shuffle(indices);
            System.arraycopy(indices, 0, val, v, valCounts[c]);
            System.arraycopy(indices, valCounts[c], train, t, indices.length - valCounts[c]);
            v += valCounts[c];
            t += indices.length - valCounts[c];
        }
        Arrays.sort(val);
        Arrays.sort(train);
        return new Split(train, val);
    }

    /**
     * The train samples a run uses: all of {@code train} for size 0, otherwise the first {@code size} of a
     * permutation of {@code train} seeded by {@code seed}. Growing the size keeps the smaller subset as a prefix, so
     * the recipe's "overfit 1, then a few, then all" stages train on nested data.
     *
     * @throws IllegalArgumentException when size exceeds the train split: silently training on less than asked for
     *                                  would make a stage's verdict mean something else
     */
    public static int[] subset(int[] train, long seed, int size) {
        if (size < 0) {
            throw new IllegalArgumentException("subsetSize must be >= 0, was " + size);
        }
        if (size == 0) {
            return train.clone();
        }
        if (size > train.length) {
            throw new IllegalArgumentException("subsetSize " + size + " exceeds the " + train.length + " train samples");
        }
        int[] order = train.clone();
        SeededRandom.derive(seed, SeededRandom.SUBSET, 0).shuffle(order);
        return Arrays.copyOf(order, size);
    }
}
