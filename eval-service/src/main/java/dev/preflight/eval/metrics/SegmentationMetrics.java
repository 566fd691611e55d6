package dev.preflight.eval.metrics;

/**
 * Segmentation metrics of one batch, over all its pixels: pixel accuracy, per-class intersection over union and
 * their mean (mIoU), and the pixel confusion matrix (rows = true class, columns = predicted class).
 *
 * <p>IoU of class c = TP / (TP + FP + FN) in pixels. A class that is neither in any mask nor predicted anywhere has
 * IoU 0/0: undefined, null, and excluded from the mean, as in the usual mIoU definitions (a val batch of a few
 * images rarely holds every class). A class that is in the masks but never predicted, or predicted but not in the
 * masks, has IoU 0 and counts. mIoU and pixel accuracy are null only for a batch without pixels.
 */
public record SegmentationMetrics(Double pixelAccuracy, Double[] iou, Double meanIou, int[][] confusion) {

    /**
     * @param masks       true class per pixel, as the batch carries them (unsigned bytes), row-major count x H x W
     * @param predictions predicted class per pixel, same order and length
     */
    public static SegmentationMetrics of(byte[] masks, int[] predictions, int numClasses) {
        int[] truth = new int[masks.length];
        for (int i = 0; i < masks.length; i++) {
            truth[i] = masks[i] & 0xFF;
        }
        return of(ConfusionMatrix.of(truth, predictions, numClasses));
    }

    public static SegmentationMetrics of(ConfusionMatrix m) {
        Double[] iou = new Double[m.numClasses()];
        for (int c = 0; c < iou.length; c++) {
            long union = m.truePositives(c) + m.falsePositives(c) + m.falseNegatives(c);
            if (union > 0) {
                iou[c] = (double) m.truePositives(c) / union;
            }
        }
        return new SegmentationMetrics(m.accuracy(), iou, ConfusionMatrix.meanOfDefined(iou), m.counts());
    }
}
