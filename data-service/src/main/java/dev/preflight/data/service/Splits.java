package dev.preflight.data.service;

import dev.preflight.wire.SeededRandom;

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
     * The split a run with {@code (seed, valFraction)} uses: the split the data came with when it has one
     * ({@link Dataset#givenSplit()}: seed and fraction do not apply), else Preflight's own stratified, duplicate-aware
     * split.
     */
    public static Split forRun(Dataset dataset, long seed, double valFraction) {
        Dataset.GivenSplit given = dataset.givenSplit();
        if (given == null) {
            return stratified(dataset, seed, valFraction);
        }
        boolean[] isVal = new boolean[dataset.size()];
        for (int v : given.val()) {
            isVal[v] = true;
        }
        int[] train = new int[dataset.size() - given.val().length];
        int t = 0;
        for (int i = 0; i < isVal.length; i++) {
            if (!isVal[i]) {
                train[t++] = i;
            }
        }
        return new Split(train, given.val());
    }

    /**
     * Preflight's own split: stratified and duplicate-aware. Samples with identical bytes form a content group
     * ({@link Dataset#contentGroups()}) and a group always goes to one side whole, so a picture that occurs three
     * times can never be in train and val at once: leakage is impossible by construction. A group belongs to the class
     * of its first sample.
     *
     * <p>Per class: that class's groups (ordered by first sample), shuffled by a generator seeded from (seed, class);
     * in that order, each group that still fits goes to val until the class's val count reaches
     * {@code max(1, min(n - 1, round(valFraction * n)))}; the rest go to train. When no group fits, the smallest one goes
     * to val, so every class with two or more groups is measured and keeps a train side. A class with a single group
     * stays in train. Without duplicates every group is one sample and this is exactly the plain
     * stratified split of earlier versions, bit for bit.
     */
    public static Split stratified(Dataset dataset, long seed, double valFraction) {
        if (!(valFraction > 0 && valFraction < 1)) {
            throw new IllegalArgumentException("valFraction must be in (0, 1), was " + valFraction);
        }
        int n = dataset.size();
        int[] groupOf = dataset.contentGroups();
        int groupCount = 0;
        for (int g : groupOf) {
            groupCount = Math.max(groupCount, g + 1);
        }
        // Members of each group, and each group's class (its first sample's label).
        int[] groupSize = new int[groupCount];
        int[] groupClass = new int[groupCount];
        Arrays.fill(groupClass, -1);
        for (int i = 0; i < n; i++) {
            groupSize[groupOf[i]]++;
            if (groupClass[groupOf[i]] < 0) {
                groupClass[groupOf[i]] = dataset.label(i);
            }
        }
        int classes = dataset.numClasses();
        int[] classSamples = new int[classes];
        int[] classGroups = new int[classes];
        for (int g = 0; g < groupCount; g++) {
            classSamples[groupClass[g]] += groupSize[g];
            classGroups[groupClass[g]]++;
        }
        int[][] groupsByClass = new int[classes][];
        for (int c = 0; c < classes; c++) {
            groupsByClass[c] = new int[classGroups[c]];
        }
        int[] fill = new int[classes];
        for (int g = 0; g < groupCount; g++) {
            groupsByClass[groupClass[g]][fill[groupClass[g]]++] = g;
        }
        boolean[] groupIsVal = new boolean[groupCount];
        for (int c = 0; c < classes; c++) {
            int[] groups = groupsByClass[c];
            if (groups.length < 2) {
                continue;
            }
            SeededRandom.derive(seed, SeededRandom.SPLIT, c).shuffle(groups);
            int target = Math.max(1, Math.min(classSamples[c] - 1, (int) Math.round(valFraction * classSamples[c])));
            int taken = 0;
            for (int g : groups) {
                if (taken + groupSize[g] <= target) {
                    groupIsVal[g] = true;
                    taken += groupSize[g];
                    if (taken == target) {
                        break;
                    }
                }
            }
            if (taken == 0) {
                // Every group is larger than the class's val share: the smallest one (first in shuffled order among
                // equals) still goes to val, so the class is measured, and the rest stays in train.
                int smallest = groups[0];
                for (int g : groups) {
                    if (groupSize[g] < groupSize[smallest]) {
                        smallest = g;
                    }
                }
                groupIsVal[smallest] = true;
            }
        }
        int valTotal = 0;
        for (int i = 0; i < n; i++) {
            if (groupIsVal[groupOf[i]]) {
                valTotal++;
            }
        }
        int[] val = new int[valTotal];
        int[] train = new int[n - valTotal];
        int v = 0;
        int t = 0;
        for (int i = 0; i < n; i++) {
            if (groupIsVal[groupOf[i]]) {
                val[v++] = i;
            } else {
                train[t++] = i;
            }
        }
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
