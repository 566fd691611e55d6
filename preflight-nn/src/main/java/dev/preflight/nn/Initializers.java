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
        BETA2
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
            }
            all.add(new NamedTensor(s.name(), s.shape(), v));
        }
        return all;
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
