package dev.preflight.data.model;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * {@code GET /api/datasets/{name}/stats}: what to look at before training ("become one with the data"), and the
 * facts the data-check stage judges.
 *
 * @param classHistogram samples per class (mask pixels per class for segmentation)
 * @param imbalanceRatio largest class count / smallest; null when a class has no sample (see emptyClasses)
 * @param emptyClasses   indices of classes without a sample
 * @param labelProblems  what is wrong with the label space, each naming the classes or values and the likely cause
 *                       (one-based labels, a "no label" marker such as 255, a 0/255 mask, images one folder too deep,
 *                       a single class); empty when labels are exactly the classes 0..C-1, each with samples
 * @param channelMean    per channel, in stored units (0..255 for uint8 images, data units for float32 features; one
 *                       "channel" per feature for tabular data); missing values left out
 * @param features       tabular only: per feature its name, range, moments and missing count, in stored units
 * @param featureScaling tabular only: how features reach the network ("standardize": train-split statistics; "none")
 * @param duplicates     samples whose bytes are identical (SHA-256 of the sample bytes)
 * @param conflicts      groups of identical samples that carry different labels (label noise)
 * @param split          the split of (splitSeed, valFraction): given with the data or Preflight's own
 * @param leakage        for that split: samples whose content is in both sides (0 by construction for Preflight's split)
 * @param skipped        files or lines that were not loaded because they are corrupt or unusable, with the reason
 * @param ignored        files that are not data (sidecars, READMEs): listed, not counted as corrupt
 * @param notes          what the loader noticed (sniffed dialect, dropped index column, nested folders, pooled splits)
 * @param outliers       per class, the samples furthest from the class mean (standardised per channel); null for
 *                       segmentation, regression, or data too large to hold class means
 * @param paired         paired (image-to-image) datasets only, else null: the pairs' value ranges and baselines
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetStats(String name, int samples, int[] sampleShape, String dtype, int numClasses, List<String> classNames,
                           int[] classHistogram, Double imbalanceRatio, List<Integer> emptyClasses, List<String> labelProblems,
                           double[] channelMean, double[] channelStd, List<FeatureRange> features, String featureScaling,
                           Duplicates duplicates, Duplicates conflicts, SplitInfo split, Leakage leakage,
                           SkippedFiles skipped, SkippedFiles ignored, List<String> notes,
                           List<ClassOutliers> outliers, Paired paired) {

    /** Every field but {@code paired}: a dataset that is not image-to-image. */
    public DatasetStats(String name, int samples, int[] sampleShape, String dtype, int numClasses, List<String> classNames,
                        int[] classHistogram, Double imbalanceRatio, List<Integer> emptyClasses, List<String> labelProblems,
                        double[] channelMean, double[] channelStd, List<FeatureRange> features, String featureScaling,
                        Duplicates duplicates, Duplicates conflicts, SplitInfo split, Leakage leakage,
                        SkippedFiles skipped, SkippedFiles ignored, List<String> notes, List<ClassOutliers> outliers) {
        this(name, samples, sampleShape, dtype, numClasses, classNames, classHistogram, imbalanceRatio, emptyClasses, labelProblems,
                channelMean, channelStd, features, featureScaling, duplicates, conflicts, split, leakage, skipped, ignored, notes,
                outliers, null);
    }

    /**
     * A paired dataset's facts, values in the network's units (stored level / 255, so [0, 1]): what data-check judges
     * for image-to-image data and the baselines the l1-regression stage must beat.
     *
     * @param pairs             samples, each an input with its target of the same shape (the loader refused any other)
     * @param inputMin          smallest input value; {@code inputMax} the largest
     * @param targetMin         smallest target value; {@code targetMax} the largest
     * @param targetMean        mean of every target value; {@code targetStd} their population std (0: constant targets)
     * @param identicalPairs    samples whose input equals its target byte for byte (nothing to learn there)
     * @param identicalExamples up to 10 of them, by source
     * @param flatTargets       samples whose target is a single flat value
     * @param valIdentityL1     with a split: mean |input - target| over the val side (the output "prediction = input")
     * @param valMeanTargetL1   with a split: mean |m - target| over the val side, m the train side's mean target image
     *                          (the input-independent baseline)
     * @param trainConstantL1   with a split: mean |target - mu| over the train side, mu its mean target value: the L1 of
     *                          a model that predicts the mean everywhere, as a well-initialised one starts
     * @param trainConstantL2   the same as a mean squared error
     */
    public record Paired(int pairs, double inputMin, double inputMax, double targetMin, double targetMax, double targetMean,
                         double targetStd, int identicalPairs, List<String> identicalExamples, int flatTargets,
                         Double valIdentityL1, Double valMeanTargetL1, Double trainConstantL1, Double trainConstantL2) {
    }

    /**
     * Groups of identical samples; examples lists up to 10 groups' sample indices, sources the same groups as the
     * loader named the samples ("cats/001.jpg", "wine.csv:17").
     */
    public record Duplicates(int groups, int samples, List<List<Integer>> examples, List<List<String>> sources) {
    }

    /**
     * @param given                 whether the split came with the data (then seed and fraction do not apply)
     * @param description           "folders train/ and val/", or "stratified, duplicate-aware (seed 1, val 0.2)"
     * @param classesMissingInTrain class names without a train sample (the model cannot learn them)
     * @param classesMissingInVal   class names without a val sample (they are never measured)
     */
    public record SplitInfo(boolean given, String description, int trainSize, int valSize, List<String> classesMissingInTrain,
                            List<String> classesMissingInVal) {
    }

    /**
     * Content in both train and val: {@code samples} counts those samples in either split, {@code valSamples} the val
     * samples among them (what val metrics are inflated by).
     */
    public record Leakage(long splitSeed, double valFraction, int trainSize, int valSize, int groups, int samples, int valSamples,
                          List<LeakExample> examples) {
    }

    /** One leaked content group: its train and val members, by index and by source. */
    public record LeakExample(List<Integer> train, List<Integer> val, List<String> trainSources, List<String> valSources) {
    }

    /** Per tabular feature, in stored units over all samples; missing counts NaN cells (imputed from train at batch time). */
    public record FeatureRange(String name, double min, double max, double mean, double std, int missing) {
    }

    /** Up to 100 listed. */
    public record SkippedFiles(int count, List<Skipped> files) {
    }

    /**
     * @param className      the class
     * @param samples        its samples
     * @param medianDistance the median distance of its samples from its mean (standardised units)
     * @param furthest       up to 5 samples, furthest first
     */
    public record ClassOutliers(String className, int samples, double medianDistance, List<Outlier> furthest) {
    }

    /**
     * @param index    the sample's index in the dataset
     * @param source   as the loader named it ("cats/001.jpg", "wine.csv:17")
     * @param distance from the class mean, standardised units
     * @param ratio    distance / the class's median distance: 1.3–2.2 for the furthest samples of clean real data
     */
    public record Outlier(int index, String source, double distance, double ratio) {
    }
}
