package dev.preflight.recipe;

import java.util.List;

/**
 * Samples a stage shows side by side in report.html with what the model made of them (label-noise: the most
 * surprising ones). Holds the samples' stored values; the report draws images as thumbnails and tables as rows.
 *
 * @param title        what the gallery shows, e.g. "train: most surprising samples"
 * @param classNames   class names by index (labels below are indices)
 * @param featureNames tabular data: one per value of a sample; null for images
 */
public record Gallery(String title, List<String> classNames, List<String> featureNames, List<Sample> samples) {

    /**
     * One sample and the model's view of it.
     *
     * @param split             "train" or "val"
     * @param index             the sample's index in the dataset
     * @param label             the class the dataset gives it
     * @param predicted         the class the model predicts
     * @param probability       the model's probability of {@code predicted}
     * @param labelProbability  the model's probability of {@code label}
     * @param loss              −ln(labelProbability): the sample's cross-entropy
     * @param confidentlyWrong  predicted ≠ label with probability ≥ the stage's confidence threshold
     * @param shape             the sample's shape as stored ([h, w, c] for images, [features] for tables)
     * @param pixels            images: the stored uint8 values, row-major h × w × c; null otherwise
     * @param values            tables: the stored feature values (unscaled); null otherwise
     */
    public record Sample(String split, int index, int label, int predicted, double probability, double labelProbability,
                         double loss, boolean confidentlyWrong, int[] shape, byte[] pixels, float[] values) {
    }
}
