package dev.preflight.data.model;

/**
 * A train/val split of one dataset: sample indices, each sorted ascending so that a split is a pair of sets (its
 * identity does not depend on the order the shuffle happened to leave them in). Disjoint, and together they cover
 * the dataset. The arrays are private copies; accessors return copies too.
 */
public final class Split {

    private final int[] train;
    private final int[] val;

    public Split(int[] train, int[] val) {
        this.train = train.clone();
        this.val = val.clone();
    }

    public int[] train() {
        return train.clone();
    }

    public int[] val() {
        return val.clone();
    }

    public int trainSize() {
        return train.length;
    }

    public int valSize() {
        return val.length;
    }
}
