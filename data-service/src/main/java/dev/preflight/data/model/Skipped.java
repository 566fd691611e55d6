package dev.preflight.data.model;

/**
 * A source file (or CSV line) left out of a dataset, and why. Listed rather than fatal: one corrupt JPEG must not
 * make ten thousand good ones unusable, but nobody should train on a dataset without knowing what is missing.
 *
 * @param file   path relative to the data root, with {@code :line} for CSV rows
 * @param reason what was wrong with it
 */
public record Skipped(String file, String reason) {
}
