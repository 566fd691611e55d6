package dev.preflight.wire;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Arrays;
import java.util.Objects;

/**
 * Validation of the weights after train step {@code step}, on a random val batch (never augmented).
 *
 * <p>Only the first five fields are always present. The others are optional and left out of the JSON when null, so a
 * ValStep written before they existed decodes unchanged, and each message carries only what its task and step have.
 * JSON has no NaN: a value that is undefined (a 0/0) is null, never NaN; in the per-class arrays an undefined class
 * is a null element.
 *
 * @param step                 the train step whose weights were evaluated: the same numbering as
 *                             {@link TrainStep#step()}; 0 means the initial weights, before any training
 * @param valLoss              mean loss on the val batch, as computed: a diverged model's non-finite loss is written
 *                             as Jackson's quoted "NaN"/"Infinity" and read back as such (the losses below likewise)
 * @param valAccuracy          share of the val batch predicted right: sample accuracy (classification), pixel accuracy
 *                             (segmentation); not defined for regression, where it is 0 (read {@code mae}/{@code rmse})
 * @param batchSize            samples in the val batch
 * @param task                 CLASSIFICATION, SEGMENTATION or REGRESSION; null in messages older than the field
 * @param macroPrecision       classification: mean per-class precision over the classes present in the batch (in its
 *                             labels or predictions); absent classes are excluded
 * @param macroRecall          classification: mean per-class recall, same classes
 * @param macroF1              classification: mean per-class F1, same classes
 * @param perClassPrecision    classification: one per class; null for a class absent from labels and predictions
 * @param perClassRecall       classification: one per class, null as above
 * @param perClassF1           classification: one per class, null as above
 * @param confusion            classification (samples) and segmentation (pixels): {@code confusion[true][predicted]}
 * @param pixelAccuracy        segmentation: share of pixels predicted right (equals {@code valAccuracy})
 * @param meanIou              segmentation: mean IoU over the classes whose IoU is defined
 * @param perClassIou          segmentation: one per class; null for a class in no mask and never predicted
 * @param mae                  regression: mean absolute error over every target value
 * @param rmse                 regression: root mean squared error over every target value
 * @param zeroInputLoss        input-independent baseline, only at step 0 and at the run's last step: the loss on the
 *                             same val batch with every input value set to 0
 * @param zeroInputAccuracy    the baseline's (pixel) accuracy; null for regression
 * @param fixedBatchLoss       only at fixed-batch steps: the loss on the run's fixed val batch (the same samples every
 *                             time), to follow prediction dynamics
 * @param fixedBatchPredictions fixed-batch steps, classification and segmentation: predicted class per sample, or per
 *                             pixel row-major (count x H x W)
 * @param fixedBatchLabels     fixed-batch steps: the true classes in the same layout; sent with every fixed-batch step,
 *                             so any window of the history can be read on its own
 * @param fixedBatchOutputs    fixed-batch steps, regression: outputs, count x targetDim; null elements for non-finite
 *                             outputs; left out (with the targets) beyond 16,384 values, which would not fit a 1 MB
 *                             val-metrics record (image targets of paired data larger than 16 x 28 x 28 x 1)
 * @param fixedBatchTargets    fixed-batch steps, regression: targets, same layout
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ValStep(String runId, int step, double valLoss, double valAccuracy, int batchSize,
                      String task,
                      Double macroPrecision, Double macroRecall, Double macroF1,
                      Double[] perClassPrecision, Double[] perClassRecall, Double[] perClassF1,
                      int[][] confusion,
                      Double pixelAccuracy, Double meanIou, Double[] perClassIou,
                      Double mae, Double rmse,
                      Double zeroInputLoss, Double zeroInputAccuracy,
                      Double fixedBatchLoss, int[] fixedBatchPredictions, int[] fixedBatchLabels,
                      Double[] fixedBatchOutputs, Double[] fixedBatchTargets) {

    /** Loss and accuracy only, as ValSteps were before the task metrics. */
    public ValStep(String runId, int step, double valLoss, double valAccuracy, int batchSize) {
        this(runId, step, valLoss, valAccuracy, batchSize, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null);
    }

    public static ValStep decode(byte[] bytes) {
        ValStep s = Json.decode(bytes, ValStep.class);
        if (s.runId() == null || s.step() < 0) {
            throw new WireFormatException("ValStep needs a runId and a step >= 0");
        }
        return s;
    }

    // Arrays compare by content: a redelivered ValStep equals the original, and a JSON round trip is the identity.
    @Override
    public boolean equals(Object o) {
        return o instanceof ValStep v && step == v.step && Double.compare(valLoss, v.valLoss) == 0
                && Double.compare(valAccuracy, v.valAccuracy) == 0 && batchSize == v.batchSize
                && Objects.equals(runId, v.runId) && Objects.equals(task, v.task)
                && Objects.equals(macroPrecision, v.macroPrecision) && Objects.equals(macroRecall, v.macroRecall)
                && Objects.equals(macroF1, v.macroF1) && Arrays.equals(perClassPrecision, v.perClassPrecision)
                && Arrays.equals(perClassRecall, v.perClassRecall) && Arrays.equals(perClassF1, v.perClassF1)
                && Arrays.deepEquals(confusion, v.confusion) && Objects.equals(pixelAccuracy, v.pixelAccuracy)
                && Objects.equals(meanIou, v.meanIou) && Arrays.equals(perClassIou, v.perClassIou)
                && Objects.equals(mae, v.mae) && Objects.equals(rmse, v.rmse)
                && Objects.equals(zeroInputLoss, v.zeroInputLoss) && Objects.equals(zeroInputAccuracy, v.zeroInputAccuracy)
                && Objects.equals(fixedBatchLoss, v.fixedBatchLoss)
                && Arrays.equals(fixedBatchPredictions, v.fixedBatchPredictions)
                && Arrays.equals(fixedBatchLabels, v.fixedBatchLabels)
                && Arrays.equals(fixedBatchOutputs, v.fixedBatchOutputs)
                && Arrays.equals(fixedBatchTargets, v.fixedBatchTargets);
    }

    @Override
    public int hashCode() {
        return Objects.hash(runId, step, valLoss, valAccuracy, batchSize, task, macroF1, meanIou, mae, zeroInputLoss,
                fixedBatchLoss, Arrays.hashCode(fixedBatchPredictions));
    }

    @Override
    public String toString() {
        return "ValStep[runId=" + runId + ", step=" + step + ", valLoss=" + valLoss + ", valAccuracy=" + valAccuracy
                + ", batchSize=" + batchSize + (task != null ? ", task=" + task : "")
                + (macroF1 != null ? ", macroF1=" + macroF1 : "") + (meanIou != null ? ", meanIou=" + meanIou : "")
                + (rmse != null ? ", mae=" + mae + ", rmse=" + rmse : "")
                + (zeroInputLoss != null ? ", zeroInputLoss=" + zeroInputLoss : "")
                + (fixedBatchLoss != null ? ", fixedBatchLoss=" + fixedBatchLoss : "") + "]";
    }
}
