package dev.preflight.nn;

import dev.preflight.nn.Initializers.Init;
import dev.preflight.nn.Variables.Slot;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.ApplyRmsProp;
import org.tensorflow.types.TFloat32;

import java.util.ArrayList;
import java.util.List;

/**
 * RMSProp without momentum, as Keras' {@code RMSprop()} (rho 0.9, epsilon 1e-7, mean square starting at 0): the raw
 * {@code ApplyRMSProp} op per parameter. The Wasserstein critic's optimiser ({@link Critic}): the WGAN paper trains its
 * clipped critic with RMSProp because momentum (Adam's included) made it unstable. State slots: {@code <param>_rms_ms}
 * and {@code <param>_rms_mom} per parameter (the op wants a momentum slot even at momentum 0).
 */
final class RmsPropOptimizer implements Optimizer {

    static final float RHO = 0.9f;
    static final float EPSILON = 1e-7f;

    @Override
    public List<Op> apply(Ops tf, Variables vars, List<Slot> params, List<Operand<TFloat32>> gradients,
                          Operand<TFloat32> learningRate) {
        Operand<TFloat32> rho = tf.constant(RHO);
        Operand<TFloat32> momentum = tf.constant(0f);
        Operand<TFloat32> epsilon = tf.constant(EPSILON);
        List<Op> applies = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Slot p = params.get(i);
            Slot ms = vars.optimizerState(p.name() + "_rms_ms", Init.ZERO, p.shape());
            Slot mom = vars.optimizerState(p.name() + "_rms_mom", Init.ZERO, p.shape());
            applies.add(tf.train.applyRmsProp(p.variable(), ms.variable(), mom.variable(), learningRate, rho, momentum, epsilon,
                    gradients.get(i), ApplyRmsProp.useLocking(true)));
        }
        return applies;
    }
}
