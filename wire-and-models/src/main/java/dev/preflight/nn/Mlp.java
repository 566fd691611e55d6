package dev.preflight.nn;

import dev.preflight.wire.NamedTensor;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Identity;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyAdam;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fully connected ReLU network with a softmax cross-entropy head, trained with Adam.
 *
 * <p>Graph ops are named ({@code input}, {@code labels}, {@code learning_rate}, {@code logits}, {@code loss},
 * {@code predictions}, {@code train}, {@code dense_i/kernel}, ...) so the graph can be inspected and exported.
 *
 * <p>Two details make training bit-for-bit reproducible on CPU (see DEVELOPERS.md):
 * <ul>
 *   <li>Gated gradients: every gradient passes through an identity that depends on <em>all</em> gradients, so no
 *       variable is updated while another gradient is still reading it.</li>
 *   <li>Raw {@code ApplyAdam} with the beta-power updates ordered after every apply, giving the textbook bias
 *       correction (beta^t at step t) instead of a racy, off-by-one one.</li>
 * </ul>
 * Initial weights come from a seeded Java RNG and are fed in, so the init does not depend on TF's RNG either.
 */
public final class Mlp implements Classifier {

    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-7f;

    private final int inputSize;
    private final int numClasses;
    private final long seed;
    private final Graph graph;
    private final Session session;
    private final Placeholder<TFloat32> input;
    private final Placeholder<TInt32> labels;
    private final Placeholder<TFloat32> learningRate;
    private final Operand<TFloat32> loss;
    private final Operand<TInt32> predictions;
    private final Op train;

    /** Trainable parameters and, in the same order, their load placeholders and assign ops. */
    private final List<Slot> params = new ArrayList<>();
    /** Optimiser state (Adam moments, beta powers): initialised, never exported in snapshots. */
    private final List<Slot> optimizerState = new ArrayList<>();

    private record Slot(String name, long[] shape, Variable<TFloat32> variable, Placeholder<TFloat32> value, Assign<TFloat32> load) {
        int size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return (int) n;
        }
    }

    public Mlp(int inputSize, int[] hidden, int numClasses, long seed) {
        this(inputSize, hidden, numClasses, seed, 0);
    }

    /**
     * @param threads TensorFlow intra-op threads; 0 = TensorFlow's default (one per core). Services pin this: TF's
     *                pool busy-waits between ops, and on a small machine a trainer with every core starves the
     *                data-service and eval-service it runs beside.
     */
    public Mlp(int inputSize, int[] hidden, int numClasses, long seed, int threads) {
        if (inputSize < 1 || numClasses < 2) {
            throw new IllegalArgumentException("an MLP needs inputSize >= 1 and numClasses >= 2");
        }
        this.inputSize = inputSize;
        this.numClasses = numClasses;
        this.seed = seed;
        this.graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, inputSize)));
            labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            learningRate = tf.withName("learning_rate").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));

            Operand<TFloat32> h = input;
            int fanIn = inputSize;
            for (int i = 0; i <= hidden.length; i++) {
                boolean last = i == hidden.length;
                int width = last ? numClasses : hidden[i];
                String layer = last ? "logits_dense" : "dense_" + i;
                Variable<TFloat32> kernel = param(tf, layer + "/kernel", fanIn, width);
                Variable<TFloat32> bias = param(tf, layer + "/bias", width);
                Operand<TFloat32> z = tf.nn.biasAdd(tf.linalg.matMul(h, kernel), bias);
                h = last ? tf.withName("logits").identity(z) : tf.nn.relu(z);
                fanIn = width;
            }
            // Dense (one-hot) cross-entropy: TF's C++ gradient registry has no gradient for the sparse variant.
            Operand<TFloat32> oneHot = tf.oneHot(labels, tf.constant(numClasses), tf.constant(1f), tf.constant(0f));
            Operand<TFloat32> perSample = tf.nn.softmaxCrossEntropyWithLogits(h, oneHot).loss();
            loss = tf.withName("loss").math.mean(perSample, tf.constant(0));
            predictions = tf.withName("predictions").math.argMax(h, tf.constant(1), TInt32.class);
            train = buildAdam(tf);
            session = threads > 0
                    ? new Session(graph, ConfigProto.newBuilder().setIntraOpParallelismThreads(threads)
                            .setInterOpParallelismThreads(1).setUsePerSessionThreads(true).build())
                    : new Session(graph);
            initialise();
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    private Variable<TFloat32> param(Ops tf, String name, long... shape) {
        Slot slot = slot(tf, name, shape);
        params.add(slot);
        return slot.variable();
    }

    /** A variable named {@code scope/leaf} with its load placeholder {@code scope/leaf_value} and op {@code scope/leaf_load}. */
    private Slot slot(Ops tf, String name, long... shape) {
        int cut = name.lastIndexOf('/');
        Ops scoped = cut < 0 ? tf : tf.withSubScope(name.substring(0, cut));
        String leaf = name.substring(cut + 1);
        Variable<TFloat32> v = scoped.withName(leaf).variable(Shape.of(shape), TFloat32.class);
        Placeholder<TFloat32> value = scoped.withName(leaf + "_value").placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
        Assign<TFloat32> load = scoped.withName(leaf + "_load").assign(v, value);
        return new Slot(name, shape, v, value, load);
    }

    @SuppressWarnings("unchecked")
    private Op buildAdam(Ops tf) {
        Output<?>[] xs = new Output<?>[params.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = params.get(i).variable().asOutput();
        }
        Output<?>[] grads = graph.addGradients(loss.asOutput(), xs);

        // Gate: no update may start before every gradient has been computed.
        List<Identity<TFloat32>> raw = new ArrayList<>();
        for (Output<?> g : grads) {
            raw.add(tf.identity((Operand<TFloat32>) g));
        }
        Ops gated = tf.withControlDependencies(new ArrayList<Op>(raw));

        Slot beta1Power = slot(tf, "adam/beta1_power");
        Slot beta2Power = slot(tf, "adam/beta2_power");
        optimizerState.add(beta1Power);
        optimizerState.add(beta2Power);
        Operand<TFloat32> beta1 = tf.constant(BETA1);
        Operand<TFloat32> beta2 = tf.constant(BETA2);
        Operand<TFloat32> epsilon = tf.constant(EPSILON);

        List<Op> applies = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Slot p = params.get(i);
            Slot m = slot(tf, p.name() + "_adam_m", p.shape());
            Slot v = slot(tf, p.name() + "_adam_v", p.shape());
            optimizerState.add(m);
            optimizerState.add(v);
            Operand<TFloat32> g = gated.identity(raw.get(i));
            applies.add(tf.train.applyAdam(p.variable(), m.variable(), v.variable(), beta1Power.variable(),
                    beta2Power.variable(), learningRate, beta1, beta2, epsilon, g, ApplyAdam.useLocking(true)));
        }
        // beta^t advances only after every apply has used this step's value.
        Ops after = tf.withControlDependencies(applies);
        Assign<TFloat32> b1 = after.assign(beta1Power.variable(), after.math.mul(beta1Power.variable(), beta1));
        Assign<TFloat32> b2 = after.assign(beta2Power.variable(), after.math.mul(beta2Power.variable(), beta2));
        return tf.withControlDependencies(List.of(b1, b2)).withName("train").noOp();
    }

    /**
     * He-uniform kernels for ReLU layers; the logits layer a tenth of Glorot-uniform, so the initial logits are near
     * zero and the loss at init is close to ln(C) (Karpathy: "init well ... verify loss at init"); zero biases.
     * All from one seeded RNG.
     */
    private void initialise() {
        SplittableRandom rng = new SplittableRandom(seed);
        List<NamedTensor> values = new ArrayList<>();
        for (Slot p : params) {
            float[] v = new float[p.size()];
            if (p.shape().length == 2) {
                long fanIn = p.shape()[0];
                long fanOut = p.shape()[1];
                boolean logits = p.name().startsWith("logits_dense");
                double limit = logits ? 0.1 * Math.sqrt(6.0 / (fanIn + fanOut)) : Math.sqrt(6.0 / fanIn);
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
                }
            }
            values.add(new NamedTensor(p.name(), p.shape(), v));
        }
        loadParameters(values);
        resetOptimizer();
    }

    private void resetOptimizer() {
        Session.Runner runner = session.runner();
        List<TFloat32> feeds = new ArrayList<>();
        try {
            for (Slot s : optimizerState) {
                float[] v = new float[s.size()];
                if (s.name().equals("adam/beta1_power")) {
                    v[0] = BETA1;
                } else if (s.name().equals("adam/beta2_power")) {
                    v[0] = BETA2;
                }
                TFloat32 t = TFloat32.tensorOf(Shape.of(s.shape()), DataBuffers.of(v, true, false));
                feeds.add(t);
                runner.feed(s.value(), t).addTarget(s.load());
            }
            runner.run().close();
        } finally {
            feeds.forEach(TFloat32::close);
        }
    }

    @Override
    public float trainStep(float[] features, int[] batchLabels, float lr) {
        try (TFloat32 x = features(features, batchLabels.length);
             TInt32 y = TInt32.vectorOf(batchLabels);
             TFloat32 rate = TFloat32.scalarOf(lr);
             Result r = session.runner().feed(input, x).feed(labels, y).feed(learningRate, rate)
                     .addTarget(train).fetch(loss).run()) {
            return ((TFloat32) r.get(0)).getFloat();
        }
    }

    @Override
    public Evaluation evaluate(float[] features, int[] batchLabels) {
        try (TFloat32 x = features(features, batchLabels.length);
             TInt32 y = TInt32.vectorOf(batchLabels);
             Result r = session.runner().feed(input, x).feed(labels, y).fetch(loss).fetch(predictions).run()) {
            int[] pred = new int[batchLabels.length];
            ((TInt32) r.get(1)).copyTo(DataBuffers.of(pred, false, false));
            return new Evaluation(((TFloat32) r.get(0)).getFloat(), pred);
        }
    }

    private TFloat32 features(float[] features, int n) {
        if (features.length != (long) n * inputSize) {
            throw new IllegalArgumentException("batch of " + n + " needs " + (long) n * inputSize + " features, got " + features.length);
        }
        return TFloat32.tensorOf(Shape.of(n, inputSize), DataBuffers.of(features, true, false));
    }

    @Override
    public List<NamedTensor> parameters() {
        Session.Runner runner = session.runner();
        params.forEach(p -> runner.fetch(p.variable()));
        List<NamedTensor> out = new ArrayList<>(params.size());
        try (Result r = runner.run()) {
            for (int i = 0; i < params.size(); i++) {
                Slot p = params.get(i);
                float[] v = new float[p.size()];
                ((TFloat32) r.get(i)).copyTo(DataBuffers.of(v, false, false));
                out.add(new NamedTensor(p.name(), p.shape(), v));
            }
        }
        return out;
    }

    @Override
    public void loadParameters(List<NamedTensor> values) {
        if (values.size() != params.size()) {
            throw new IllegalArgumentException("expected " + params.size() + " parameters, got " + values.size());
        }
        Session.Runner runner = session.runner();
        List<TFloat32> feeds = new ArrayList<>();
        try {
            for (int i = 0; i < params.size(); i++) {
                Slot p = params.get(i);
                NamedTensor t = values.get(i);
                if (!p.name().equals(t.name()) || !java.util.Arrays.equals(p.shape(), t.shape())) {
                    throw new IllegalArgumentException("parameter " + i + " is " + t + ", model expects " + p.name()
                            + java.util.Arrays.toString(p.shape()));
                }
                TFloat32 tensor = TFloat32.tensorOf(Shape.of(p.shape()), DataBuffers.of(t.values(), true, false));
                feeds.add(tensor);
                runner.feed(p.value(), tensor).addTarget(p.load());
            }
            runner.run().close();
        } finally {
            feeds.forEach(TFloat32::close);
        }
    }

    @Override
    public long parameterCount() {
        return params.stream().mapToLong(Slot::size).sum();
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
