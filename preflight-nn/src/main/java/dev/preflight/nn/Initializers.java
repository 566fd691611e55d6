package dev.preflight.nn;

import dev.preflight.wire.NamedTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Initial values of every variable, computed in Java.
 *
 * <p>Why Java and not TensorFlow's initialiser ops: one {@link SplittableRandom} seeded by the model seed, drawn in a
 * fixed order (the order of {@link Variables#all()}), makes the initial weights a pure function of the seed and the
 * architecture: nothing depends on TensorFlow's RNG or on the order ops were created in (DEVELOPERS.md, "Why training
 * is written the way it is", point 3).
 */
final class Initializers {

    /** How a variable starts. */
    enum Init {
        /** He-uniform: ReLU layers. */
        HE,
        /** A tenth of Glorot-uniform: the output layer, so the logits at init are near zero. */
        OUTPUT,
        ZERO,
        ONE,
        /** Adam's beta1^1, the bias-correction power of the first step. */
        BETA1,
        /** Adam's beta2^1. */
        BETA2,
        /** An imported Keras layer's initialiser with its arguments ({@link Variables.Slot#keras()}). */
        KERAS
    }

    private Initializers() {
    }

    /**
     * He-uniform kernels for ReLU layers; the output layer a tenth of Glorot-uniform, so the initial logits are near
     * zero and the loss at init is close to ln(C) (Karpathy: "init well ... verify loss at init"); zero biases; batch
     * norm gamma 1. All from one RNG seeded by the model seed, in slot order. {@code scale} multiplies the kernel
     * limits (the "bad init" fault drill).
     */
    static List<NamedTensor> initialValues(List<Variables.Slot> slots, long seed, double scale) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<NamedTensor> all = new ArrayList<>();
        for (Variables.Slot s : slots) {
            float[] v = new float[s.size()];
            switch (s.init()) {
                case HE -> fillUniform(v, scale * Math.sqrt(6.0 / s.fanIn()), rng);
                case OUTPUT -> fillUniform(v, scale * 0.1 * Math.sqrt(6.0 / (s.fanIn() + s.fanOut())), rng);
                case ONE -> Arrays.fill(v, 1f);
                case BETA1 -> Arrays.fill(v, AdamOptimizer.BETA1);
                case BETA2 -> Arrays.fill(v, AdamOptimizer.BETA2);
                case ZERO -> { }
                case KERAS -> fillKeras(v, s.shape(), s.keras(), scale, rng);
            }
            all.add(new NamedTensor(s.name(), s.shape(), v));
        }
        return all;
    }

    /**
     * Keras' initialisers, drawn from Preflight's RNG: the distributions Keras draws from (variance scaling with Keras'
     * fans: receptive field x input / output channels; truncated normals cut at 2 standard deviations, with Keras'
     * 0.8796 correction for variance scaling). {@code scale} (the bad-init drill) multiplies the random ones.
     */
    static void fillKeras(float[] v, long[] shape, dev.preflight.keras.KerasInit init, double scale, SplittableRandom rng) {
        double fanIn;
        double fanOut;
        if (shape.length == 0) {
            fanIn = fanOut = 1;
        } else if (shape.length == 1) {
            fanIn = fanOut = shape[0];
        } else if (shape.length == 2) {
            fanIn = shape[0];
            fanOut = shape[1];
        } else {
            double receptive = 1;
            for (int i = 0; i < shape.length - 2; i++) {
                receptive *= shape[i];
            }
            fanIn = shape[shape.length - 2] * receptive;
            fanOut = shape[shape.length - 1] * receptive;
        }
        switch (init.kind()) {
            case ZEROS -> Arrays.fill(v, 0f);
            case ONES -> Arrays.fill(v, 1f);
            case CONSTANT -> Arrays.fill(v, (float) init.value());
            case RANDOM_UNIFORM -> {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (scale * (init.minval() + rng.nextDouble() * (init.maxval() - init.minval())));
                }
            }
            case RANDOM_NORMAL -> {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (scale * (init.mean() + init.stddev() * rng.nextGaussian()));
                }
            }
            case TRUNCATED_NORMAL -> fillTruncated(v, init.mean(), init.stddev(), scale, rng);
            case VARIANCE_SCALING -> {
                double variance = init.scale() / Math.max(1, init.fan(fanIn, fanOut));
                switch (init.distribution()) {
                    case "uniform" -> fillUniform(v, scale * Math.sqrt(3 * variance), rng);
                    case "untruncated_normal" -> {
                        for (int i = 0; i < v.length; i++) {
                            v[i] = (float) (scale * Math.sqrt(variance) * rng.nextGaussian());
                        }
                    }
                    default -> fillTruncated(v, 0, Math.sqrt(variance) / 0.87962566103423978, scale, rng);
                }
            }
        }
    }

    private static void fillTruncated(float[] v, double mean, double stddev, double scale, SplittableRandom rng) {
        for (int i = 0; i < v.length; i++) {
            double z;
            do {
                z = rng.nextGaussian();
            } while (Math.abs(z) > 2);
            v[i] = (float) (scale * (mean + stddev * z));
        }
    }

    private static void fillUniform(float[] v, double limit, SplittableRandom rng) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
        }
    }

    /**
     * The output bias that makes a model with near-zero logits predict the class priors (Karpathy: "init well"):
     * log(count / total), with a class absent from the train split floored at half a sample instead of log(0) = -inf.
     */
    static float[] logPriors(int[] classCounts) {
        long total = Arrays.stream(classCounts).asLongStream().sum();
        float[] bias = new float[classCounts.length];
        for (int c = 0; c < classCounts.length; c++) {
            bias[c] = (float) Math.log(Math.max(classCounts[c], 0.5) / Math.max(total, 1));
        }
        return bias;
    }
}
