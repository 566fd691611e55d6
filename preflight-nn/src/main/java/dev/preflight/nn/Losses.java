package dev.preflight.nn;

import dev.preflight.wire.ModelConfig;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

import java.util.List;

/**
 * What a model is trained to minimise, and what is read off its head with it.
 *
 * <p>Why together: the loss, the predictions, the probabilities and the prediction entropy all interpret the same head
 * (logits or regression outputs) for one {@link Task}; keeping them in one place keeps their reading of it consistent.
 * Weight decay is here too, as the one term of the objective that is not a data loss.
 */
final class Losses {

    /**
     * The head read for one task. Named ops: {@code loss}, and {@code logits}, {@code predictions},
     * {@code probabilities}, {@code prediction_entropy} (classification, segmentation) or {@code outputs} (regression).
     *
     * @param dataLoss      mean loss of the batch, without the weight-decay penalty
     * @param predictions   argmax class per sample or pixel; empty for regression
     * @param outputs       regression outputs; empty otherwise
     * @param probabilities what a SavedModel serves: softmax of the logits, or the regression outputs
     * @param entropy       mean entropy of the predicted distribution (nats); NaN for regression
     */
    record Head(Operand<TFloat32> dataLoss, Operand<TInt32> predictions, Operand<TFloat32> outputs,
                Operand<TFloat32> probabilities, Operand<TFloat32> entropy) {
    }

    private Losses() {
    }

    /**
     * The head for a task: {@link #regression} (reads the targets) or {@link #crossEntropy} (reads labels and weights).
     */
    static Head of(Ops tf, ModelConfig config, Task task, int numClasses, Operand<TFloat32> top, Operand<TFloat32> targets,
                   Operand<TInt32> labels, Operand<TFloat32> sampleWeights) {
        return task == Task.REGRESSION
                ? regression(tf, config, top, targets)
                : crossEntropy(tf, task, numClasses, top, labels, sampleWeights);
    }

    /** Regression: mean absolute ({@code l1}) or mean squared ({@code l2}, the default) error over every entry. */
    static Head regression(Ops tf, ModelConfig config, Operand<TFloat32> head, Operand<TFloat32> targets) {
        Operand<TFloat32> outputs = tf.withName("outputs").identity(head);
        Operand<TFloat32> diff = tf.math.sub(head, targets);
        boolean l1 = config.lossOrDefault(true) == ModelConfig.Loss.L1;
        Operand<TFloat32> perEntry = l1 ? tf.math.abs(diff) : tf.math.square(diff);
        Operand<TFloat32> loss = tf.withName("loss").math.mean(perEntry, tf.constant(new int[]{0, 1}));
        return new Head(loss, tf.constant(new int[0]), outputs, outputs, tf.constant(Float.NaN));
    }

    /**
     * Softmax cross-entropy from logits, weighted per sample (or per pixel): classification reads [N, C] logits,
     * segmentation [N, H, W, C] logits flattened to one row per pixel.
     *
     * <p>Dense (one-hot) cross-entropy: TF's C++ gradient registry has no gradient for the sparse variant.
     */
    static Head crossEntropy(Ops tf, Task task, int numClasses, Operand<TFloat32> head, Operand<TInt32> labels,
                             Operand<TFloat32> sampleWeights) {
        Operand<TFloat32> logits = tf.withName("logits").identity(head);
        Operand<TFloat32> flat = task == Task.SEGMENTATION ? tf.reshape(logits, tf.constant(new int[]{-1, numClasses})) : logits;
        Operand<TFloat32> oneHot = tf.oneHot(labels, tf.constant(numClasses), tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> perEntry = tf.nn.softmaxCrossEntropyWithLogits(flat, oneHot).loss();
        // Weighted mean: with all weights 1 this is the plain mean; class weights rebalance rare classes.
        Operand<TInt32> axis0 = tf.constant(0);
        Operand<TFloat32> loss = tf.withName("loss").math.div(tf.sum(tf.math.mul(perEntry, sampleWeights), axis0), tf.sum(sampleWeights, axis0));
        Operand<TInt32> predictions = tf.withName("predictions").math.argMax(flat, tf.constant(1), TInt32.class);
        Operand<TFloat32> probabilities = tf.withName("probabilities").nn.softmax(logits);
        Operand<TFloat32> flatProbs = tf.nn.softmax(flat);
        Operand<TFloat32> plogp = tf.math.mul(flatProbs, tf.nn.logSoftmax(flat));
        Operand<TFloat32> entropy = tf.withName("prediction_entropy").math.neg(tf.math.mean(tf.sum(plogp, tf.constant(1)), tf.constant(0)));
        return new Head(loss, predictions, tf.constant(new float[0]), probabilities, entropy);
    }

    /**
     * {@code dataLoss + weightDecay / 2 * sum of squared kernel entries}; the data loss itself when weight decay is off.
     * Each kernel is read through {@code identity}: TF's C++ SquareGrad crashes (SIGSEGV) on a reference-typed input.
     */
    static Operand<TFloat32> withWeightDecay(Ops tf, Operand<TFloat32> dataLoss, List<Variables.Slot> kernels, double weightDecay) {
        if (!(weightDecay > 0)) {
            return dataLoss;
        }
        Operand<TFloat32> penalty = tf.constant(0f);
        for (Variables.Slot k : kernels) {
            penalty = tf.math.add(penalty, tf.sum(tf.math.square(tf.identity(k.variable())), tf.constant(k.allAxes())));
        }
        return tf.math.add(dataLoss, tf.math.mul(tf.constant((float) (weightDecay / 2)), penalty));
    }
}
