package dev.preflight.nn;

import dev.preflight.nn.Initializers.Init;
import dev.preflight.nn.Variables.Slot;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

import java.util.ArrayList;
import java.util.List;

/**
 * The layer vocabulary {@link Architectures} builds from: dense, conv, batch norm, dropout, pooling, upsampling.
 *
 * <p>Why a class of its own: this is all an architecture may touch of a model under construction. A layer registers
 * its variables in {@link Variables} by role (kernel, other trainable, moving statistic) so weight decay, snapshots and
 * checkpoints find them; it reads the {@code training} scalar so one graph serves training and evaluation; and dropout
 * draws its masks from a stateless RNG keyed by (seed, step), so a resumed run draws what an uninterrupted one would.
 */
final class Layers {

    static final float BN_EPSILON = 1e-3f;
    static final float BN_MOMENTUM = 0.99f;

    private final Ops tf;
    private final Variables vars;
    private final Operand<TFloat32> input;
    private final Operand<TFloat32> training;
    private final Operand<TInt64> dropoutSeed;
    /** Ops that must run with every train step besides the optimiser (batch-norm moving statistics). */
    private final List<Op> trainingUpdates = new ArrayList<>();
    private Slot outputBias;
    private int dropoutLayers;

    /**
     * @param input       what the first layer reads, flattened [N, features]
     * @param training    1 while training, 0 in evaluation
     * @param dropoutSeed (model seed, step): the stateless dropout key
     */
    Layers(Ops tf, Variables vars, Operand<TFloat32> input, Operand<TFloat32> training, Operand<TInt64> dropoutSeed) {
        this.tf = tf;
        this.vars = vars;
        this.input = input;
        this.training = training;
        this.dropoutSeed = dropoutSeed;
    }

    /** For the ops that are not layers (reshape, add, mean, relu). */
    Ops tf() {
        return tf;
    }

    /** The flattened network input [N, features]. */
    Operand<TFloat32> input() {
        return input;
    }

    /** The bias of the output layer (the one built with {@code output = true}), for the log-prior init; null if none. */
    Slot outputBias() {
        return outputBias;
    }

    /** Marks the bias of an imported model's last layer as the output bias (log-prior init). */
    void outputBias(Slot bias) {
        outputBias = bias;
    }

    Variables vars() {
        return vars;
    }

    Operand<TFloat32> training() {
        return training;
    }

    /** The batch-norm moving-statistics updates the train op must run. */
    List<Op> trainingUpdates() {
        return trainingUpdates;
    }

    Operand<TFloat32> dense(String name, Operand<TFloat32> x, long in, long out, boolean relu, boolean output) {
        Slot w = vars.kernel(name + "/kernel", output ? Init.OUTPUT : Init.HE, in, out, in, out);
        Slot b = vars.trainable(name + "/bias", Init.ZERO, 0, 0, out);
        if (output) {
            outputBias = b;
        }
        Operand<TFloat32> z = tf.nn.biasAdd(tf.linalg.matMul(x, w.variable()), b.variable());
        return relu ? tf.nn.relu(z) : z;
    }

    /** 3x3 (or k x k) same-padded convolution; bias unless batch norm follows (its beta plays that role). */
    Operand<TFloat32> conv(String name, Operand<TFloat32> x, int k, long in, long out, int stride, boolean bn, boolean relu, boolean output) {
        Slot w = vars.kernel(name + "/kernel", output ? Init.OUTPUT : Init.HE, (long) k * k * in, out, k, k, in, out);
        Operand<TFloat32> z = tf.nn.conv2d(x, w.variable(), List.of(1L, (long) stride, (long) stride, 1L), "SAME");
        if (bn) {
            z = batchNorm(name + "/bn", z, out);
        } else {
            Slot b = vars.trainable(name + "/bias", Init.ZERO, 0, 0, out);
            if (output) {
                outputBias = b;
            }
            z = tf.nn.biasAdd(z, b.variable());
        }
        return relu ? tf.nn.relu(z) : z;
    }

    /**
     * Batch normalisation over N, H, W. Training uses the batch statistics and updates the moving ones; evaluation
     * uses the moving ones. The {@code training} scalar (1 or 0) blends the two so one graph serves both.
     */
    Operand<TFloat32> batchNorm(String name, Operand<TFloat32> x, long channels) {
        Slot gamma = vars.trainable(name + "/gamma", Init.ONE, 0, 0, channels);
        Slot beta = vars.trainable(name + "/beta", Init.ZERO, 0, 0, channels);
        Slot movingMean = vars.movingStatistic(name + "/moving_mean", Init.ZERO, channels);
        Slot movingVar = vars.movingStatistic(name + "/moving_variance", Init.ONE, channels);
        Operand<TInt32> axes = tf.constant(new int[]{0, 1, 2});
        Operand<TFloat32> mean = tf.math.mean(x, axes);
        Operand<TFloat32> variance = tf.math.mean(tf.math.squaredDifference(x, mean), axes);
        Operand<TFloat32> notTraining = tf.math.sub(tf.constant(1f), training);
        Operand<TFloat32> m = tf.math.add(tf.math.mul(training, mean), tf.math.mul(notTraining, movingMean.variable()));
        Operand<TFloat32> v = tf.math.add(tf.math.mul(training, variance), tf.math.mul(notTraining, movingVar.variable()));
        Operand<TFloat32> scale = tf.math.mul(gamma.variable(), tf.math.rsqrt(tf.math.add(v, tf.constant(BN_EPSILON))));
        Operand<TFloat32> y = tf.math.add(tf.math.mul(tf.math.sub(x, m), scale), beta.variable());
        Operand<TFloat32> keep = tf.constant(BN_MOMENTUM);
        Operand<TFloat32> rest = tf.constant(1 - BN_MOMENTUM);
        trainingUpdates.add(tf.assign(movingMean.variable(), tf.math.add(tf.math.mul(movingMean.variable(), keep), tf.math.mul(tf.stopGradient(mean), rest))));
        trainingUpdates.add(tf.assign(movingVar.variable(), tf.math.add(tf.math.mul(movingVar.variable(), keep), tf.math.mul(tf.stopGradient(variance), rest))));
        return y;
    }

    /** Inverted dropout while training; identity in evaluation. Masks from a stateless RNG keyed by (seed, step). */
    Operand<TFloat32> dropout(Operand<TFloat32> x, double rate) {
        if (rate <= 0) {
            return x;
        }
        int layer = dropoutLayers++;
        Operand<TInt64> seed = tf.math.add(dropoutSeed, tf.constant(new long[]{0, 7919L * (layer + 1)}));
        Operand<TFloat32> u = tf.random.statelessRandomUniform(tf.shape(x), seed);
        float keep = (float) (1 - rate);
        Operand<TFloat32> mask = tf.math.floor(tf.math.add(u, tf.constant(keep)));
        Operand<TFloat32> dropped = tf.math.div(tf.math.mul(x, mask), tf.constant(keep));
        return tf.math.add(x, tf.math.mul(training, tf.math.sub(dropped, x)));
    }

    Operand<TFloat32> maxPool2(Operand<TFloat32> x) {
        return tf.nn.maxPool(x, tf.constant(new int[]{1, 2, 2, 1}), tf.constant(new int[]{1, 2, 2, 1}), "SAME");
    }

    Operand<TFloat32> upsample2(Operand<TFloat32> x, int height, int width) {
        return tf.image.resizeNearestNeighbor(x, tf.constant(new int[]{height, width}));
    }
}
