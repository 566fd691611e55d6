package dev.preflight.nn;

import dev.preflight.wire.ModelConfig;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

import java.util.List;

/**
 * An update rule: the ops that apply one step's gradients to the trainable variables.
 *
 * <p>Why an interface and not {@code tensorflow-framework}'s optimisers: those order their own state updates loosely
 * (see {@link AdamOptimizer}). Here a rule only builds apply ops from gradients that {@link TrainingStep} has already
 * gated, and creates its state slots through {@link Variables} so checkpoints carry them.
 */
interface Optimizer {

    /**
     * @param params    the trainable variables, in {@link Variables#params()} order
     * @param gradients one gated gradient per parameter, same order
     * @return every op the train step must run for the update
     */
    List<Op> apply(Ops tf, Variables vars, List<Variables.Slot> params, List<Operand<TFloat32>> gradients,
                   Operand<TFloat32> learningRate);

    /** The rule a config names: {@code sgd} (with momentum) or {@code adam} (the default). */
    static Optimizer of(ModelConfig config) {
        return switch (config.optimizerOrDefault()) {
            case SGD -> new MomentumOptimizer((float) config.momentumOrDefault());
            case ADAM -> new AdamOptimizer();
        };
    }
}
