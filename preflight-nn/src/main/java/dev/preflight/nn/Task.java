package dev.preflight.nn;

/** What a model predicts, decided by what the batches carry: labels, per-pixel masks, or regression targets. */
public enum Task {
    CLASSIFICATION, SEGMENTATION, REGRESSION
}
