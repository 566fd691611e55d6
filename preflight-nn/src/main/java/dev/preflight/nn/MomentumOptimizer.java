package dev.preflight.nn;

import dev.preflight.nn.Initializers.Init;
import dev.preflight.nn.Variables.Slot;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.types.TFloat32;

import java.util.ArrayList;
import java.util.List;

/**
 * SGD with momentum: the raw {@code ApplyMomentum} op, one {@code <param>_momentum} accumulator per parameter. It has no
 * state shared between parameters, so unlike {@link AdamOptimizer} nothing needs ordering after the applies.
 */
final class MomentumOptimizer implements Optimizer {

    private final float momentum;

    MomentumOptimizer(float momentum) {
        this.momentum = momentum;
    }

    @Override
    public List<Op> apply(Ops tf, Variables vars, List<Slot> params, List<Operand<TFloat32>> gradients,
                          Operand<TFloat32> learningRate) {
        Operand<TFloat32> m = tf.constant(momentum);
        List<Op> applies = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Slot p = params.get(i);
            Slot accum = vars.optimizerState(p.name() + "_momentum", Init.ZERO, p.shape());
            applies.add(tf.train.applyMomentum(p.variable(), accum.variable(), learningRate, gradients.get(i), m,
                    ApplyMomentum.useLocking(true)));
        }
        return applies;
    }
}
