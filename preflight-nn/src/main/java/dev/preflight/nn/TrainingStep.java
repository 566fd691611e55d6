package dev.preflight.nn;

import dev.preflight.nn.Variables.Slot;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code train} op: gradients of the objective, gated, handed to the {@link Optimizer}, plus what a step reports
 * about itself (the global gradient norm, and per parameter the update/weight ratio).
 *
 * <p>Why the gate: {@code Graph.addGradients} returns gradient tensors that TensorFlow is free to compute while an apply
 * op is already updating a variable another gradient still reads. Every gradient (and every pre-update copy of a weight)
 * is therefore a control dependency of every gradient the optimiser sees: no update starts before all are final.
 * Without it two runs with the same seed diverge after a few steps (DEVELOPERS.md, "Why training is written the way it
 * is", point 1).
 */
final class TrainingStep {

    /** Runs the whole update, batch-norm statistics included. */
    final Op train;
    /** Global L2 norm of all gradients. */
    final Operand<TFloat32> gradNorm;
    /** Per parameter, after the update: |new - old| / max(|old|, 1e-12). */
    final List<Operand<TFloat32>> updateRatios = new ArrayList<>();
    /** Per parameter: the L2 norm of its gradient (of the objective, weight decay included), before the update. */
    final List<Operand<TFloat32>> gradNorms = new ArrayList<>();

    /**
     * @param objective       what to minimise (data loss plus any weight-decay penalty)
     * @param trainingUpdates ops that must run with every step besides the optimiser (batch-norm moving statistics)
     */
    TrainingStep(Graph graph, Ops tf, Variables vars, Operand<TFloat32> objective, List<Op> trainingUpdates,
                 Optimizer optimizer, Operand<TFloat32> learningRate) {
        this(tf, vars, graph.addGradients(objective.asOutput(), outputs(vars.params())), trainingUpdates, optimizer, learningRate);
    }

    /**
     * @param grads one gradient of the objective per parameter ({@link Variables#params()} order), already computed
     *              (a data-parallel graph's tower average, {@link DataParallel}); a null entry is a parameter the loss
     *              does not reach
     */
    @SuppressWarnings("unchecked")
    TrainingStep(Ops tf, Variables vars, Output<?>[] grads, List<Op> trainingUpdates, Optimizer optimizer,
                 Operand<TFloat32> learningRate) {
        List<Slot> params = vars.params();

        // Weights as they were before this step, for the update/weight ratio; read before any update may run.
        List<Operand<TFloat32>> before = new ArrayList<>();
        List<Op> gate = new ArrayList<>();
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] == null) {
                throw new IllegalStateException("parameter " + params.get(i).name() + " gets no gradient: it is not wired into the loss");
            }
            gate.add(tf.identity((Operand<TFloat32>) grads[i]));
            var copy = tf.math.add(params.get(i).variable(), tf.constant(0f));
            before.add(copy);
            gate.add(copy);
        }
        // Gate: no update may start before every gradient (and every "before" copy) is final.
        Ops gated = tf.withControlDependencies(gate);
        List<Operand<TFloat32>> g = new ArrayList<>();
        Operand<TFloat32> sumSquares = tf.constant(0f);
        for (int i = 0; i < grads.length; i++) {
            Operand<TFloat32> gi = gated.identity((Operand<TFloat32>) gate.get(2 * i));
            g.add(gi);
            Operand<TFloat32> squares = tf.sum(tf.math.square(gi), tf.constant(params.get(i).allAxes()));
            sumSquares = tf.math.add(sumSquares, squares);
            gradNorms.add(tf.math.sqrt(squares));
        }
        gradNorm = tf.withName("grad_norm").math.sqrt(sumSquares);

        List<Op> applies = new ArrayList<>(trainingUpdates);
        applies.addAll(optimizer.apply(tf, vars, params, g, learningRate));

        Ops after = tf.withControlDependencies(applies);
        for (int i = 0; i < params.size(); i++) {
            Operand<TFloat32> now = after.identity(params.get(i).variable());
            Operand<TInt32> axes = after.constant(params.get(i).allAxes());
            Operand<TFloat32> delta = after.math.sqrt(after.sum(after.math.squaredDifference(now, before.get(i)), axes));
            Operand<TFloat32> norm = after.math.sqrt(after.sum(after.math.square(before.get(i)), axes));
            updateRatios.add(after.math.div(delta, after.math.maximum(norm, after.constant(1e-12f))));
        }
        train = tf.withControlDependencies(applies).withName("train").noOp();
    }

    /** The variables as gradient targets. */
    static Output<?>[] outputs(List<Slot> params) {
        Output<?>[] xs = new Output<?>[params.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = params.get(i).variable().asOutput();
        }
        return xs;
    }
}
