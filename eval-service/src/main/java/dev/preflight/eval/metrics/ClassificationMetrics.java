package dev.preflight.eval.metrics;

/**
 * Classification metrics of one batch: accuracy, per-class precision, recall and F1, their macro averages and the
 * confusion matrix (rows = true class, columns = predicted class).
 *
 * <p>Conventions (they equal scikit-learn's {@code precision_recall_fscore_support(average="macro",
 * zero_division=0)} with its default label set, so the numbers can be checked against it):
 * <ul>
 *   <li>A class is <em>present</em> if it occurs among the true labels or the predictions. A class that is
 *       <em>absent</em> (no true samples and never predicted) has nothing to measure: its precision, recall and F1
 *       are null and it is excluded from every macro average. A random val batch does not always hold every class;
 *       counting an absent class as 0 would punish the model for the batch, counting it as 1 would flatter it.</li>
 *   <li>For a present class, a 0/0 counts as 0, because it always stands for an error: precision of a class that was
 *       never predicted although it has true samples (all of them missed), recall of a class that has no true
 *       samples although it was predicted (every such prediction is wrong, and its precision is 0 anyway).</li>
 *   <li>F1 = 2·TP / (2·TP + FP + FN): the harmonic mean of precision and recall where both are positive, 0 when
 *       TP = 0, and defined for every present class. Macro F1 is the mean of the per-class F1s (not the F1 of the
 *       macro precision and recall).</li>
 *   <li>Accuracy, and every macro average, is null only for an empty batch (no samples, no present class).</li>
 * </ul>
 */
public record ClassificationMetrics(Double accuracy, Double[] precision, Double[] recall, Double[] f1,
                                    Double macroPrecision, Double macroRecall, Double macroF1, int[][] confusion) {

    /** @see ConfusionMatrix#of */
    public static ClassificationMetrics of(int[] labels, int[] predictions, int numClasses) {
        return of(ConfusionMatrix.of(labels, predictions, numClasses));
    }

    public static ClassificationMetrics of(ConfusionMatrix m) {
        int k = m.numClasses();
        Double[] precision = new Double[k];
        Double[] recall = new Double[k];
        Double[] f1 = new Double[k];
        for (int c = 0; c < k; c++) {
            if (!m.present(c)) {
                continue;
            }
            long tp = m.truePositives(c);
            long fp = m.falsePositives(c);
            long fn = m.falseNegatives(c);
            precision[c] = tp + fp == 0 ? 0.0 : (double) tp / (tp + fp);
            recall[c] = tp + fn == 0 ? 0.0 : (double) tp / (tp + fn);
            f1[c] = 2.0 * tp / (2.0 * tp + fp + fn);
        }
        return new ClassificationMetrics(m.accuracy(), precision, recall, f1, ConfusionMatrix.meanOfDefined(precision),
                ConfusionMatrix.meanOfDefined(recall), ConfusionMatrix.meanOfDefined(f1), m.counts());
    }
}
