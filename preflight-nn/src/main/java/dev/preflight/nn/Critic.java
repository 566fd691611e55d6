package dev.preflight.nn;

import dev.preflight.wire.Adversarial;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

import java.util.ArrayList;
import java.util.List;

/**
 * A conditional Wasserstein critic for a generator of images ({@link Adversarial}): it scores a pair (input image,
 * output image), real pairs (input, target) against generated ones (input, G(input)).
 *
 * <p>Architecture: the pair concatenated on channels, one 3x3 stride-2 conv with ReLU per
 * {@link Adversarial#criticChannelsOrDefault() width}, the mean over the image, a linear score. No batch norm: a
 * critic's score must be a function of one pair, not of its batch. Real and generated pairs go through the critic as
 * one batch of 2N, so both halves are scored by the same weights in one pass.
 *
 * <p>Its variables are its own {@link Variables} (names under {@code critic/}): they travel in checkpoints (the
 * critic's state resumes with the run) but not in snapshots, so the eval-service, the exports and a later run see
 * only the generator.
 *
 * <p>Shapes: {@code input}, {@code target} and {@code generated} are [N, H, W, C] in [0, 1]; the scores are [N].
 */
final class Critic {

    /** The critic's variables: conv kernels and biases, the score layer, then RMSProp's slots. */
    final Variables vars;
    /** One critic update: RMSProp on the critic's loss, then every critic weight clipped to [-clip, clip]. */
    final Op train;
    /** What the critic minimises: mean D(generated) - mean D(real). */
    final Operand<TFloat32> loss;
    /** mean D(real) - mean D(generated): the critic's Wasserstein-1 estimate. */
    final Operand<TFloat32> wassersteinEstimate;
    /** The generator's adversarial loss: -mean D(input, generated), differentiable in the generator's weights. */
    final Operand<TFloat32> generatorLoss;
    /** Global L2 norm of the critic's gradient in an update. */
    final Operand<TFloat32> gradNorm;

    Critic(Graph graph, Ops tf, Adversarial config, Operand<TFloat32> input, Operand<TFloat32> target,
           Operand<TFloat32> generated, int channels, Operand<TFloat32> training, Operand<TInt64> dropoutSeed) {
        vars = new Variables(tf);
        Operand<TFloat32> real = tf.concat(List.of(input, target), tf.constant(3));
        Operand<TFloat32> fake = tf.concat(List.of(input, generated), tf.constant(3));
        Operand<TFloat32> pairs = tf.concat(List.of(real, fake), tf.constant(0));
        Layers layers = new Layers(tf, vars, pairs, training, dropoutSeed);
        Operand<TFloat32> x = pairs;
        long in = 2L * channels;
        List<Integer> widths = config.criticChannelsOrDefault();
        for (int i = 0; i < widths.size(); i++) {
            x = layers.conv("critic/conv_" + (i + 1), x, 3, in, widths.get(i), 2, false, true, false);
            in = widths.get(i);
        }
        Operand<TFloat32> pooled = tf.math.mean(x, tf.constant(new int[]{1, 2}));
        Operand<TFloat32> scores = tf.reshape(layers.dense("critic/score", pooled, in, 1, false, false), tf.constant(new long[]{2, -1}));
        // Row 0: the real pairs' scores, row 1: the generated ones' (the 2N batch is real then fake).
        Operand<TFloat32> meanScores = tf.math.mean(scores, tf.constant(1));
        Operand<TFloat32> meanReal = tf.reshape(tf.slice(meanScores, tf.constant(new int[]{0}), tf.constant(new int[]{1})), tf.constant(new long[0]));
        Operand<TFloat32> meanFake = tf.reshape(tf.slice(meanScores, tf.constant(new int[]{1}), tf.constant(new int[]{1})), tf.constant(new long[0]));
        wassersteinEstimate = tf.withSubScope("critic").withName("wasserstein_estimate").math.sub(meanReal, meanFake);
        loss = tf.withSubScope("critic").withName("loss").math.neg(wassersteinEstimate);
        generatorLoss = tf.withSubScope("generator").withName("adversarial_loss").math.neg(meanFake);

        Operand<TFloat32> rate = tf.constant((float) config.criticLearningRateOrDefault());
        TrainingStep step = new TrainingStep(graph, tf, vars, loss, List.of(), new RmsPropOptimizer(), rate);
        gradNorm = step.gradNorm;
        // The WGAN paper's Lipschitz constraint: after every update, every critic weight back into [-clip, clip].
        Ops after = tf.withControlDependencies(List.of(step.train));
        Operand<TFloat32> lo = after.constant((float) -config.clipOrDefault());
        Operand<TFloat32> hi = after.constant((float) config.clipOrDefault());
        List<Op> clips = new ArrayList<>();
        for (Variables.Slot p : vars.params()) {
            clips.add(after.assign(p.variable(), after.clipByValue(after.identity(p.variable()), lo, hi)));
        }
        train = tf.withSubScope("critic").withControlDependencies(clips).withName("train").noOp();
    }
}
