package dev.preflight.nn;

import dev.preflight.wire.Batch;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.NamedTensor;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyAdam;
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Every Preflight model: an architecture ({@link Architectures}) on top of a shared training graph.
 *
 * <p>Ops are named ({@code input}, {@code labels}, {@code targets}, {@code sample_weights}, {@code learning_rate},
 * {@code training}, {@code logits}, {@code loss}, {@code predictions}, {@code probabilities}, {@code train}, and
 * {@code <layer>/<param>} for variables) so graphs can be inspected and exported.
 *
 * <p>Bit-for-bit reproducibility on CPU (see DEVELOPERS.md): gated gradients (no variable is updated while another
 * gradient still reads it); raw {@code ApplyAdam} with the beta powers advanced after every apply (textbook bias
 * correction); initial weights from a seeded Java RNG, fed in; dropout masks from a stateless RNG keyed by
 * (seed, step), so a resumed run draws the same masks as an uninterrupted one.
 */
public final class GraphModel implements Model {

    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-7f;
    static final float BN_EPSILON = 1e-3f;
    static final float BN_MOMENTUM = 0.99f;

    /** A variable with its load placeholder and assign op, and how to initialise it. */
    record Slot(String name, long[] shape, Variable<TFloat32> variable, Placeholder<TFloat32> value, Assign<TFloat32> load,
                Init init, long fanIn, long fanOut) {
        int size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return (int) n;
        }
    }

    enum Init { HE, OUTPUT, ZERO, ONE, BETA1, BETA2 }

    private final ModelConfig config;
    private final Task task;
    private final int numClasses;
    private final int inputSize;
    private final int[] sampleShape;
    private final Graph graph;
    private final Session session;

    final Ops tf;
    final Placeholder<TFloat32> input;
    /** What the first layer reads: the input, or zeros under the dropInputs fault drill. */
    final Operand<TFloat32> netInput;
    final Operand<TFloat32> training;
    final Operand<TInt64> dropoutSeed;
    private final Placeholder<TInt32> labels;
    private final Placeholder<TFloat32> targets;
    private final Placeholder<TFloat32> sampleWeights;
    private final Placeholder<TFloat32> learningRate;
    private Operand<TFloat32> dataLoss;
    private Operand<TInt32> predictions;
    private Operand<TFloat32> outputs;
    private Operand<TFloat32> probabilities;
    private Op train;
    private Operand<TFloat32> gradNorm;
    /** Mean entropy of the predicted class distribution (nats); ln(C) when predictions are uniform, 0 when certain. */
    private Operand<TFloat32> entropy;
    private final List<Operand<TFloat32>> updateRatios = new ArrayList<>();

    final List<Slot> params = new ArrayList<>();
    final List<Slot> state = new ArrayList<>();
    /** Batch-norm moving statistics: not trained by gradients, but needed for inference, so they travel in snapshots. */
    final List<Slot> stats = new ArrayList<>();
    /** Ops that must run with every train step besides the optimiser (batch-norm moving statistics). */
    final List<Op> trainingUpdates = new ArrayList<>();
    /** Kernels, for weight decay. */
    final List<Variable<TFloat32>> kernels = new ArrayList<>();
    private Slot outputBias;
    private int dropoutLayers;

    GraphModel(ModelConfig config, int[] sampleShape, int numClasses, Task task, int threads, Architectures.Architecture arch) {
        this.config = config;
        this.task = task;
        this.numClasses = numClasses;
        this.sampleShape = sampleShape.clone();
        int n = 1;
        for (int d : sampleShape) {
            n *= d;
        }
        this.inputSize = n;
        this.graph = new Graph();
        try {
            tf = Ops.create(graph);
            input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, inputSize)));
            labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            targets = tf.withName("targets").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, Math.max(1, numClasses))));
            sampleWeights = tf.withName("sample_weights").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
            learningRate = tf.withName("learning_rate").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            netInput = config.inputsDropped() ? tf.math.mul(input, tf.constant(0f)) : input;
            training = tf.withName("training").placeholderWithDefault(tf.constant(0f), Shape.scalar());
            dropoutSeed = tf.withName("dropout_seed").placeholderWithDefault(tf.constant(new long[]{0, 0}), Shape.of(2));

            Operand<TFloat32> head = arch.build(this, config, sampleShape, outputWidth());
            buildHead(head);
            buildOptimizer();
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

    private int outputWidth() {
        return numClasses;
    }

    // ---- layers (used by Architectures) ------------------------------------------------------------------------

    Operand<TFloat32> dense(String name, Operand<TFloat32> x, long in, long out, boolean relu, boolean output) {
        Variable<TFloat32> w = param(name + "/kernel", output ? Init.OUTPUT : Init.HE, in, out, in, out);
        kernels.add(w);
        Slot b = slot(name + "/bias", Init.ZERO, 0, 0, out);
        params.add(b);
        if (output) {
            outputBias = b;
        }
        Operand<TFloat32> z = tf.nn.biasAdd(tf.linalg.matMul(x, w), b.variable());
        return relu ? tf.nn.relu(z) : z;
    }

    /** 3x3 (or k x k) same-padded convolution; bias unless batch norm follows (its beta plays that role). */
    Operand<TFloat32> conv(String name, Operand<TFloat32> x, int k, long in, long out, int stride, boolean bn, boolean relu, boolean output) {
        Variable<TFloat32> w = param(name + "/kernel", output ? Init.OUTPUT : Init.HE, (long) k * k * in, out, k, k, in, out);
        kernels.add(w);
        Operand<TFloat32> z = tf.nn.conv2d(x, w, List.of(1L, (long) stride, (long) stride, 1L), "SAME");
        if (bn) {
            z = batchNorm(name + "/bn", z, out);
        } else {
            Slot b = slot(name + "/bias", Init.ZERO, 0, 0, out);
            params.add(b);
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
        Slot gamma = slot(name + "/gamma", Init.ONE, 0, 0, channels);
        Slot beta = slot(name + "/beta", Init.ZERO, 0, 0, channels);
        params.add(gamma);
        params.add(beta);
        Slot movingMean = slot(name + "/moving_mean", Init.ZERO, 0, 0, channels);
        Slot movingVar = slot(name + "/moving_variance", Init.ONE, 0, 0, channels);
        state.add(movingMean);
        state.add(movingVar);
        stats.add(movingMean);
        stats.add(movingVar);
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

    private Variable<TFloat32> param(String name, Init init, long fanIn, long fanOut, long... shape) {
        Slot s = slot(name, init, fanIn, fanOut, shape);
        params.add(s);
        return s.variable();
    }

    /** A variable named {@code scope/leaf} with its load placeholder {@code scope/leaf_value} and op {@code scope/leaf_load}. */
    Slot slot(String name, Init init, long fanIn, long fanOut, long... shape) {
        String[] path = name.split("/");
        Ops scoped = tf;
        for (int i = 0; i < path.length - 1; i++) {
            scoped = scoped.withSubScope(path[i]);
        }
        String leaf = path[path.length - 1];
        Variable<TFloat32> v = scoped.withName(leaf).variable(Shape.of(shape), TFloat32.class);
        Placeholder<TFloat32> value = scoped.withName(leaf + "_value").placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
        Assign<TFloat32> load = scoped.withName(leaf + "_load").assign(v, value);
        return new Slot(name, shape, v, value, load, init, fanIn, fanOut);
    }

    // ---- head, loss, optimiser ----------------------------------------------------------------------------------

    private void buildHead(Operand<TFloat32> head) {
        if (task == Task.REGRESSION) {
            outputs = tf.withName("outputs").identity(head);
            Operand<TFloat32> diff = tf.math.sub(head, targets);
            boolean l1 = "l1".equals(config.loss());
            Operand<TFloat32> perEntry = l1 ? tf.math.abs(diff) : tf.math.square(diff);
            dataLoss = tf.withName("loss").math.mean(perEntry, tf.constant(new int[]{0, 1}));
            predictions = tf.constant(new int[0]);
            probabilities = outputs;
            entropy = tf.constant(Float.NaN);
            return;
        }
        // Classification: [N, C]; segmentation: [N, H, W, C] flattened to one row per pixel.
        Operand<TFloat32> logits = tf.withName("logits").identity(head);
        Operand<TFloat32> flat = task == Task.SEGMENTATION ? tf.reshape(logits, tf.constant(new int[]{-1, numClasses})) : logits;
        // Dense (one-hot) cross-entropy: TF's C++ gradient registry has no gradient for the sparse variant.
        Operand<TFloat32> oneHot = tf.oneHot(labels, tf.constant(numClasses), tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> perEntry = tf.nn.softmaxCrossEntropyWithLogits(flat, oneHot).loss();
        // Weighted mean: with all weights 1 this is the plain mean; class weights rebalance rare classes.
        Operand<TInt32> axis0 = tf.constant(0);
        dataLoss = tf.withName("loss").math.div(tf.sum(tf.math.mul(perEntry, sampleWeights), axis0), tf.sum(sampleWeights, axis0));
        predictions = tf.withName("predictions").math.argMax(flat, tf.constant(1), TInt32.class);
        probabilities = tf.withName("probabilities").nn.softmax(logits);
        Operand<TFloat32> flatProbs = tf.nn.softmax(flat);
        Operand<TFloat32> plogp = tf.math.mul(flatProbs, tf.nn.logSoftmax(flat));
        entropy = tf.withName("prediction_entropy").math.neg(tf.math.mean(tf.sum(plogp, tf.constant(1)), tf.constant(0)));
        outputs = tf.constant(new float[0]);
    }

    @SuppressWarnings("unchecked")
    private void buildOptimizer() {
        Operand<TFloat32> total = dataLoss;
        double wd = config.weightDecayOrDefault();
        if (wd > 0) {
            Operand<TFloat32> penalty = tf.constant(0f);
            for (Variable<TFloat32> k : kernels) {
                // Read through identity: TF's C++ SquareGrad crashes (SIGSEGV) on a reference-typed input.
                penalty = tf.math.add(penalty, tf.sum(tf.math.square(tf.identity(k)), tf.constant(allAxes(k))));
            }
            total = tf.math.add(total, tf.math.mul(tf.constant((float) (wd / 2)), penalty));
        }
        Output<?>[] xs = new Output<?>[params.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = params.get(i).variable().asOutput();
        }
        Output<?>[] grads = graph.addGradients(total.asOutput(), xs);

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
            sumSquares = tf.math.add(sumSquares, tf.sum(tf.math.square(gi), tf.constant(allAxes(params.get(i)))));
        }
        gradNorm = tf.withName("grad_norm").math.sqrt(sumSquares);

        List<Op> applies = new ArrayList<>(trainingUpdates);
        if ("sgd".equals(config.optimizerOrDefault())) {
            Operand<TFloat32> momentum = tf.constant((float) config.momentumOrDefault());
            for (int i = 0; i < params.size(); i++) {
                Slot p = params.get(i);
                Slot accum = slot(p.name() + "_momentum", Init.ZERO, 0, 0, p.shape());
                state.add(accum);
                applies.add(tf.train.applyMomentum(p.variable(), accum.variable(), learningRate, g.get(i), momentum,
                        ApplyMomentum.useLocking(true)));
            }
        } else {
            Slot beta1Power = slot("adam/beta1_power", Init.BETA1, 0, 0);
            Slot beta2Power = slot("adam/beta2_power", Init.BETA2, 0, 0);
            state.add(beta1Power);
            state.add(beta2Power);
            Operand<TFloat32> beta1 = tf.constant(BETA1);
            Operand<TFloat32> beta2 = tf.constant(BETA2);
            Operand<TFloat32> epsilon = tf.constant(EPSILON);
            List<Op> adam = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                Slot p = params.get(i);
                Slot m = slot(p.name() + "_adam_m", Init.ZERO, 0, 0, p.shape());
                Slot v = slot(p.name() + "_adam_v", Init.ZERO, 0, 0, p.shape());
                state.add(m);
                state.add(v);
                adam.add(tf.train.applyAdam(p.variable(), m.variable(), v.variable(), beta1Power.variable(),
                        beta2Power.variable(), learningRate, beta1, beta2, epsilon, g.get(i), ApplyAdam.useLocking(true)));
            }
            applies.addAll(adam);
            // beta^t advances only after every apply has used this step's value.
            Ops after = tf.withControlDependencies(adam);
            applies.add(after.assign(beta1Power.variable(), after.math.mul(beta1Power.variable(), beta1)));
            applies.add(after.assign(beta2Power.variable(), after.math.mul(beta2Power.variable(), beta2)));
        }
        Ops after = tf.withControlDependencies(applies);
        for (int i = 0; i < params.size(); i++) {
            Operand<TFloat32> now = after.identity(params.get(i).variable());
            Operand<TInt32> axes = after.constant(allAxes(params.get(i)));
            Operand<TFloat32> delta = after.math.sqrt(after.sum(after.math.squaredDifference(now, before.get(i)), axes));
            Operand<TFloat32> norm = after.math.sqrt(after.sum(after.math.square(before.get(i)), axes));
            updateRatios.add(after.math.div(delta, after.math.maximum(norm, after.constant(1e-12f))));
        }
        train = tf.withControlDependencies(applies).withName("train").noOp();
    }

    private static int[] allAxes(Slot s) {
        int[] axes = new int[s.shape().length];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i;
        }
        return axes;
    }

    private static int[] allAxes(Variable<TFloat32> v) {
        int rank = v.shape().numDimensions();
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i;
        }
        return axes;
    }

    // ---- initialisation -----------------------------------------------------------------------------------------

    /**
     * He-uniform kernels for ReLU layers; the output layer a tenth of Glorot-uniform, so the initial logits are near
     * zero and the loss at init is close to ln(C) (Karpathy: "init well ... verify loss at init"); zero biases; batch
     * norm gamma 1. All from one RNG seeded by the model seed, in a fixed order.
     */
    private void initialise() {
        SplittableRandom rng = new SplittableRandom(config.seed());
        double scale = config.initScaleOrDefault();
        List<NamedTensor> all = new ArrayList<>();
        for (Slot s : allSlots()) {
            float[] v = new float[s.size()];
            switch (s.init()) {
                case HE -> fillUniform(v, scale * Math.sqrt(6.0 / s.fanIn()), rng);
                case OUTPUT -> fillUniform(v, scale * 0.1 * Math.sqrt(6.0 / (s.fanIn() + s.fanOut())), rng);
                case ONE -> Arrays.fill(v, 1f);
                case BETA1 -> Arrays.fill(v, BETA1);
                case BETA2 -> Arrays.fill(v, BETA2);
                case ZERO -> { }
            }
            all.add(new NamedTensor(s.name(), s.shape(), v));
        }
        load(allSlots(), all);
    }

    private static void fillUniform(float[] v, double limit, SplittableRandom rng) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
        }
    }

    private List<Slot> allSlots() {
        List<Slot> all = new ArrayList<>(params);
        all.addAll(state);
        return all;
    }

    @Override
    public void initBiasToLogPriors(int[] classCounts) {
        if (task != Task.CLASSIFICATION || outputBias == null) {
            throw new IllegalStateException("log-prior bias init needs a classification model");
        }
        if (classCounts == null || classCounts.length != numClasses) {
            throw new IllegalArgumentException("log-prior bias init needs one count per class");
        }
        long total = Arrays.stream(classCounts).asLongStream().sum();
        float[] bias = new float[numClasses];
        for (int c = 0; c < numClasses; c++) {
            // A class absent from the train split gets a floor instead of log(0) = -inf.
            bias[c] = (float) Math.log(Math.max(classCounts[c], 0.5) / Math.max(total, 1));
        }
        load(List.of(outputBias), List.of(new NamedTensor(outputBias.name(), outputBias.shape(), bias)));
    }

    // ---- running ------------------------------------------------------------------------------------------------

    @Override
    public StepResult trainStep(Batch batch, float lr) {
        long step = trainSteps++;
        try (Feeds f = feeds(batch, true);
             TFloat32 rate = TFloat32.scalarOf(lr);
             TFloat32 on = TFloat32.scalarOf(1f);
             TInt64 seed = TInt64.vectorOf(config.seed(), step)) {
            Session.Runner r = f.apply(session.runner()).feed(learningRate, rate).feed(training, on).feed(dropoutSeed, seed)
                    .addTarget(train).fetch(dataLoss).fetch(gradNorm).fetch(entropy);
            updateRatios.forEach(r::fetch);
            try (Result out = r.run()) {
                float[] ratios = new float[updateRatios.size()];
                for (int i = 0; i < ratios.length; i++) {
                    ratios[i] = ((TFloat32) out.get(3 + i)).getFloat();
                }
                return new StepResult(((TFloat32) out.get(0)).getFloat(), ((TFloat32) out.get(1)).getFloat(), ratios,
                        ((TFloat32) out.get(2)).getFloat());
            }
        }
    }

    private long trainSteps;

    /** Continues the dropout-mask sequence where a checkpoint left it. */
    public void setStepsTaken(long steps) {
        this.trainSteps = steps;
    }

    @Override
    public Evaluation evaluate(Batch batch) {
        try (Feeds f = feeds(batch, false);
             Result out = f.apply(session.runner()).fetch(dataLoss).fetch(predictions).fetch(outputs).run()) {
            TInt32 p = (TInt32) out.get(1);
            int[] pred = new int[(int) p.size()];
            p.copyTo(DataBuffers.of(pred, false, false));
            TFloat32 o = (TFloat32) out.get(2);
            float[] outs = new float[(int) o.size()];
            o.copyTo(DataBuffers.of(outs, false, false));
            return new Evaluation(((TFloat32) out.get(0)).getFloat(), pred, outs);
        }
    }

    /** The tensors a batch feeds: features, labels or per-pixel labels or targets, and per-entry loss weights. */
    private final class Feeds implements AutoCloseable {
        final TFloat32 x;
        final TInt32 y;
        final TFloat32 t;
        final TFloat32 w;

        Feeds(Batch b) {
            int n = b.size();
            if (b.sampleSize() != inputSize) {
                throw new IllegalArgumentException("batch samples have shape " + Arrays.toString(b.sampleShape())
                        + ", the model was built for " + Arrays.toString(sampleShape));
            }
            x = TFloat32.tensorOf(Shape.of(n, inputSize), DataBuffers.of(b.features(), true, false));
            int[] truth;
            if (task == Task.SEGMENTATION) {
                if (b.masks() == null) {
                    throw new IllegalArgumentException("a segmentation model needs batches with masks");
                }
                truth = new int[b.masks().length];
                for (int i = 0; i < truth.length; i++) {
                    truth[i] = b.masks()[i] & 0xFF;
                }
            } else {
                truth = task == Task.CLASSIFICATION ? b.labels() : new int[n];
            }
            y = TInt32.vectorOf(truth);
            float[] weights = new float[truth.length];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = b.classWeights() == null || task == Task.REGRESSION ? 1f : b.classWeights()[truth[i]];
            }
            w = TFloat32.vectorOf(weights);
            if (task == Task.REGRESSION) {
                if (b.targets() == null || b.targetDim() != numClasses) {
                    throw new IllegalArgumentException("a regression model of width " + numClasses + " needs batches with targets of that width");
                }
                t = TFloat32.tensorOf(Shape.of(n, numClasses), DataBuffers.of(b.targets(), true, false));
            } else {
                t = TFloat32.tensorOf(Shape.of(n, Math.max(1, numClasses)));
            }
        }

        Session.Runner apply(Session.Runner r) {
            return r.feed(input, x).feed(labels, y).feed(targets, t).feed(sampleWeights, w);
        }

        @Override
        public void close() {
            x.close();
            y.close();
            t.close();
            w.close();
        }
    }

    private Feeds feeds(Batch b, boolean train) {
        return new Feeds(b);
    }

    // ---- variables in and out -----------------------------------------------------------------------------------

    @Override
    public List<NamedTensor> parameters() {
        return read(inferenceSlots());
    }

    @Override
    public void loadParameters(List<NamedTensor> values) {
        load(inferenceSlots(), values);
    }

    private List<Slot> inferenceSlots() {
        List<Slot> all = new ArrayList<>(params);
        all.addAll(stats);
        return all;
    }

    @Override
    public List<NamedTensor> state() {
        return read(allSlots());
    }

    @Override
    public void loadState(List<NamedTensor> values) {
        load(allSlots(), values);
    }

    private List<NamedTensor> read(List<Slot> slots) {
        Session.Runner runner = session.runner();
        slots.forEach(p -> runner.fetch(p.variable()));
        List<NamedTensor> out = new ArrayList<>(slots.size());
        try (Result r = runner.run()) {
            for (int i = 0; i < slots.size(); i++) {
                Slot p = slots.get(i);
                float[] v = new float[p.size()];
                ((TFloat32) r.get(i)).copyTo(DataBuffers.of(v, false, false));
                out.add(new NamedTensor(p.name(), p.shape(), v));
            }
        }
        return out;
    }

    private void load(List<Slot> slots, List<NamedTensor> values) {
        if (values.size() != slots.size()) {
            throw new IllegalArgumentException("expected " + slots.size() + " tensors, got " + values.size());
        }
        Session.Runner runner = session.runner();
        List<TFloat32> feeds = new ArrayList<>();
        try {
            for (int i = 0; i < slots.size(); i++) {
                Slot p = slots.get(i);
                NamedTensor t = values.get(i);
                if (!p.name().equals(t.name()) || !Arrays.equals(p.shape(), t.shape())) {
                    throw new IllegalArgumentException("tensor " + i + " is " + t + ", model expects " + p.name() + Arrays.toString(p.shape()));
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
    public void exportSavedModel(Path dir) throws IOException {
        Signature signature = Signature.builder().key(Signature.DEFAULT_KEY).input("features", input)
                .output(task == Task.REGRESSION ? "outputs" : "probabilities", probabilities).build();
        SavedModelBundle.exporter(dir.toString()).withSession(session).withSignature(signature).export();
    }

    // ---- facts --------------------------------------------------------------------------------------------------

    @Override
    public long parameterCount() {
        return params.stream().mapToLong(Slot::size).sum();
    }

    /** Parameter tensor names, in the order of {@link StepResult#updateRatios()}. */
    public List<String> parameterNames() {
        return params.stream().map(Slot::name).toList();
    }

    @Override
    public Task task() {
        return task;
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
