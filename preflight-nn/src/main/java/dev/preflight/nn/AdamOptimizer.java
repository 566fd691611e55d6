package dev.preflight.nn;

import dev.preflight.nn.Initializers.Init;
import dev.preflight.nn.Variables.Slot;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.ApplyAdam;
import org.tensorflow.types.TFloat32;

import java.util.ArrayList;
import java.util.List;

/**
 * Adam with textbook bias correction, deterministic: the raw {@code ApplyAdam} op per parameter, with the beta powers
 * advanced only after every apply has used this step's value.
 *
 * <p>Why not {@code tensorflow-framework}'s {@code Adam}: its 1.0.0 release updates the beta powers unordered with
 * respect to the apply ops, which is nondeterministic and off by one in the bias correction (DEVELOPERS.md, "Why
 * training is written the way it is", point 2). State slots: {@code adam/beta1_power}, {@code adam/beta2_power}, and
 * {@code <param>_adam_m}, {@code <param>_adam_v} per parameter.
 */
final class AdamOptimizer implements Optimizer {

    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-7f;

    @Override
    public List<Op> apply(Ops tf, Variables vars, List<Slot> params, List<Operand<TFloat32>> gradients,
                          Operand<TFloat32> learningRate) {
        Slot beta1Power = vars.optimizerState("adam/beta1_power", Init.BETA1);
        Slot beta2Power = vars.optimizerState("adam/beta2_power", Init.BETA2);
        Operand<TFloat32> beta1 = tf.constant(BETA1);
        Operand<TFloat32> beta2 = tf.constant(BETA2);
        Operand<TFloat32> epsilon = tf.constant(EPSILON);
        List<Op> adam = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Slot p = params.get(i);
            Slot m = vars.optimizerState(p.name() + "_adam_m", Init.ZERO, p.shape());
            Slot v = vars.optimizerState(p.name() + "_adam_v", Init.ZERO, p.shape());
            adam.add(tf.train.applyAdam(p.variable(), m.variable(), v.variable(), beta1Power.variable(),
                    beta2Power.variable(), learningRate, beta1, beta2, epsilon, gradients.get(i), ApplyAdam.useLocking(true)));
        }
        List<Op> applies = new ArrayList<>(adam);
        // beta^t advances only after every apply has used this step's value.
        Ops after = tf.withControlDependencies(adam);
        applies.add(after.assign(beta1Power.variable(), after.math.mul(beta1Power.variable(), beta1)));
        applies.add(after.assign(beta2Power.variable(), after.math.mul(beta2Power.variable(), beta2)));
        return applies;
    }
}
