package dev.preflight.data.model;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * {@code GET /api/datasets/{name}/stats}: what to look at before training ("become one with the data").
 *
 * @param classHistogram samples per class (mask pixels per class for segmentation)
 * @param imbalanceRatio largest class count / smallest; null when a class has no sample (see emptyClasses)
 * @param channelMean    per channel, in stored units (0..255 for uint8 images, data units for float32 features; one
 *                       "channel" per feature for tabular data)
 * @param duplicates     samples whose bytes are identical (SHA-256 of the sample bytes)
 * @param leakage        for the split given by splitSeed and valFraction: samples whose content is in both splits
 * @param skipped        files or lines that were not loaded, with the reason
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetStats(String name, int samples, int[] sampleShape, String dtype, int numClasses, List<String> classNames,
                           int[] classHistogram, Double imbalanceRatio, List<Integer> emptyClasses,
                           double[] channelMean, double[] channelStd, Duplicates duplicates, Leakage leakage,
                           SkippedFiles skipped) {

    /** Groups of identical samples; examples lists up to 10 groups' sample indices. */
    public record Duplicates(int groups, int samples, List<List<Integer>> examples) {
    }

    /** Content in both train and val: {@code samples} counts those samples in either split. */
    public record Leakage(long splitSeed, double valFraction, int trainSize, int valSize, int groups, int samples,
                          List<LeakExample> examples) {
    }

    public record LeakExample(List<Integer> train, List<Integer> val) {
    }

    /** Up to 100 listed. */
    public record SkippedFiles(int count, List<Skipped> files) {
    }
}
