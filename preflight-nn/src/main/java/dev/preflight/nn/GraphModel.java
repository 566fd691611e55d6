package dev.preflight.nn;

import dev.preflight.keras.KerasModel;
import dev.preflight.wire.Batch;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.NamedTensor;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Every Preflight model: an architecture ({@link Architectures}) on top of a shared training graph. This class owns the
 * {@link Graph} and {@link Session} and wires the parts in a fixed order: {@link Feeds} (data placeholders), the
 * architecture's {@link Layers}, the {@link Losses} head, the {@link TrainingStep} with its {@link Optimizer}, then
 * the session and the {@link Initializers initial values}, written through {@link Variables}. The order of op
 * creation is kept as it was when all of this was one class, so graphs (and curves) stay the same.
 *
 * <p>Ops are named ({@code input}, {@code labels}, {@code targets}, {@code sample_weights}, {@code learning_rate},
 * {@code training}, {@code logits}, {@code loss}, {@code predictions}, {@code probabilities}, {@code train}, and
 * {@code <layer>/<param>} for variables) so graphs can be inspected and exported.
 *
 * <p>Bit-for-bit reproducibility on CPU (see DEVELOPERS.md): gated gradients ({@link TrainingStep}); raw
 * {@code ApplyAdam} with the beta powers advanced after every apply ({@link AdamOptimizer}); initial weights from a
 * seeded Java RNG, fed in ({@link Initializers}); dropout masks from a stateless RNG keyed by (seed, step)
 * ({@link Layers#dropout}), so a resumed run draws the same masks as an uninterrupted one.
 */
final class GraphModel implements Model {

    private final ModelConfig config;
    private final Task task;
    private final int numClasses;
    /** One sample's shape, as the first batch gave it (the exported Keras definition's input shape). */
    private final int[] sampleShape;
    private final Graph graph;
    private final Session session;

    private final Feeds feeds;
    private final Placeholder<TFloat32> learningRate;
    private final Operand<TFloat32> training;
    private final Operand<TInt64> dropoutSeed;
    private final Variables vars;
    private final Variables.Slot outputBias;
    private final Losses.Head head;
    private final TrainingStep step;
    /** The devices this model trains on; more than one: {@link DataParallel} towers. */
    private final Devices devices;
    /** What a train step reports as its loss and entropy: the head's, or the towers' batch-weighted average. */
    private final Operand<TFloat32> stepLoss;
    /** As {@link #stepLoss}: the mean prediction entropy of the step's batch. */
    private final Operand<TFloat32> stepEntropy;
    /** The architecture built; a {@link KerasArchitecture} knows its variables by Keras layer. */
    private final Architectures.Architecture arch;
    /** Steps trained so far, restored on resume: the second half of the dropout key (seed, step). */
    private long trainSteps;
    /**
     * The per-step scalars, kept for the model's life and rewritten in place (no per-step tensor allocation): the
     * learning rate, the training flag (always 1 in a train step) and the dropout key (seed, step).
     */
    private final TFloat32 rateFeed;
    private final TFloat32 trainingOn;
    private final TInt64 seedFeed;
    /** The Wasserstein critic of an adversarial run ({@link dev.preflight.wire.Adversarial}); null otherwise. */
    private final Critic critic;
    /** The adversarial option the critic was built with; null without a critic. */
    private final dev.preflight.wire.Adversarial adversarial;

    /**
     * @param threads the session's thread settings; null: TensorFlow's defaults (process-wide pools, one thread per core)
     * @param devices where training runs: one device, or {@link DataParallel} towers (variables on the first)
     */
    GraphModel(ModelConfig config, int[] sampleShape, int numClasses, Task task, TfThreads threads, Devices devices,
               Architectures.Architecture arch) {
        this(config, sampleShape, numClasses, task, threads, devices, arch, null);
    }

    /**
     * @param adversarial non-null: a generator trained against a Wasserstein {@link Critic} on top of its L1 loss; needs
     *                    image samples [H, W, C], targets of the same size, and one device
     */
    GraphModel(ModelConfig config, int[] sampleShape, int numClasses, Task task, TfThreads threads, Devices devices,
               Architectures.Architecture arch, dev.preflight.wire.Adversarial adversarial) {
        this.config = config;
        this.adversarial = adversarial;
        this.devices = devices;
        this.task = task;
        this.numClasses = numClasses;
        this.sampleShape = sampleShape.clone();
        this.arch = arch;
        this.graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            feeds = new Feeds(tf, task, numClasses, sampleShape);
            learningRate = tf.withName("learning_rate").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            // What the first layer reads: the input, or zeros under the dropInputs fault drill.
            Operand<TFloat32> netInput = config.inputsDropped() ? tf.math.mul(feeds.input, tf.constant(0f)) : feeds.input;
            training = tf.withName("training").placeholderWithDefault(tf.constant(0f), Shape.scalar());
            dropoutSeed = tf.withName("dropout_seed").placeholderWithDefault(tf.constant(new long[]{0, 0}), Shape.of(2));

            vars = new Variables(devices.parallel() ? tf.withDevice(devices.spec(0)) : tf);
            Layers layers = new Layers(tf, vars, netInput, training, dropoutSeed);
            Operand<TFloat32> top = arch.build(layers, config, sampleShape, numClasses);
            outputBias = layers.outputBias();
            head = Losses.of(tf, config, task, numClasses, top, feeds.targets(), feeds.labels(), feeds.sampleWeights());
            if (devices.parallel()) {
                if (adversarial != null) {
                    throw new IllegalArgumentException("adversarial training runs on one device: set preflight.trainer.devices to 1");
                }
                DataParallel towers = new DataParallel(graph, tf, devices, vars, netInput, feeds, training, dropoutSeed, arch,
                        config, task, sampleShape, numClasses);
                step = new TrainingStep(tf, vars, towers.gradients, towers.trainingUpdates, Optimizer.of(config), learningRate);
                stepLoss = towers.loss;
                stepEntropy = towers.entropy;
                session = new Session(graph, devices.sessionConfig(threads));
                critic = null;
            } else {
                Operand<TFloat32> dataLoss = head.dataLoss();
                if (adversarial != null) {
                    critic = critic(graph, tf, adversarial, sampleShape, numClasses, task, top);
                    dataLoss = tf.math.add(dataLoss, tf.math.mul(tf.constant((float) adversarial.adversarialWeightOrDefault()), critic.generatorLoss));
                } else {
                    critic = null;
                }
                Operand<TFloat32> objective = Losses.withWeightDecay(tf, dataLoss, vars.kernels(), config.weightDecayOrDefault());
                step = new TrainingStep(graph, tf, vars, objective, layers.trainingUpdates(), Optimizer.of(config), learningRate);
                stepLoss = head.dataLoss();
                stepEntropy = head.entropy();
                session = threads != null ? new Session(graph, threads.configProto()) : new Session(graph);
            }
            Variables.load(session, vars.all(), Initializers.initialValues(vars.all(), config.seed(), config.initScaleOrDefault()));
            if (critic != null) {
                // Its own stream of initial values: adding a critic leaves the generator's initial weights as they were.
                Variables.load(session, critic.vars.all(), Initializers.initialValues(critic.vars.all(), config.seed() + CRITIC_SEED_OFFSET, 1.0));
            }
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
        rateFeed = TFloat32.scalarOf(0f);
        trainingOn = TFloat32.scalarOf(1f);
        seedFeed = TInt64.vectorOf(config.seed(), 0L);
    }

    /** Added to the model's seed for the critic's initial weights. */
    static final long CRITIC_SEED_OFFSET = 7_777L;

    /** The critic over (input, target) and (input, generator output), each reshaped to the sample's image shape. */
    private Critic critic(Graph graph, Ops tf, dev.preflight.wire.Adversarial a, int[] shape, int outputs, Task task,
                          Operand<TFloat32> generated) {
        if (task != Task.REGRESSION || shape.length != 3 || outputs != shape[0] * shape[1] * shape[2]) {
            throw new IllegalArgumentException("adversarial training needs image pairs: samples [height, width, channels] with "
                    + "target images of the same size, got samples " + java.util.Arrays.toString(shape) + " and " + outputs
                    + " target values per sample");
        }
        Operand<TInt64> image = tf.constant(new long[]{-1, shape[0], shape[1], shape[2]});
        return new Critic(graph, tf, a, tf.reshape(feeds.input, image), tf.reshape(feeds.targets(), image),
                tf.reshape(generated, image), shape[2], training, dropoutSeed);
    }

    @Override
    public void initBiasToLogPriors(int[] classCounts) {
        if (task != Task.CLASSIFICATION || outputBias == null) {
            throw new IllegalStateException("log-prior bias init needs a classification model");
        }
        if (classCounts == null || classCounts.length != numClasses) {
            throw new IllegalArgumentException("log-prior bias init needs one count per class");
        }
        float[] bias = Initializers.logPriors(classCounts);
        Variables.load(session, List.of(outputBias), List.of(new NamedTensor(outputBias.name(), outputBias.shape(), bias)));
    }

    @Override
    public void initOutputToTargetMean(Batch first) {
        float[] targets = first.targets();
        if (task != Task.REGRESSION || outputBias == null || targets == null || targets.length == 0) {
            throw new IllegalStateException("target-mean init needs a regression model with an output bias and targets");
        }
        // The output layer's kernel is the bias' sibling (Layers names them <layer>/kernel and <layer>/bias).
        String kernelName = outputBias.name().substring(0, outputBias.name().lastIndexOf('/') + 1) + "kernel";
        Variables.Slot kernel = vars.all().stream().filter(v -> v.name().equals(kernelName)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no output kernel " + kernelName));
        double sum = 0;
        for (float t : targets) {
            sum += t;
        }
        float[] bias = new float[(int) outputBias.shape()[0]];
        java.util.Arrays.fill(bias, (float) (sum / targets.length));
        Variables.load(session, List.of(kernel, outputBias), List.of(
                new NamedTensor(kernel.name(), kernel.shape(), new float[kernel.size()]),
                new NamedTensor(outputBias.name(), outputBias.shape(), bias)));
    }

    @Override
    public com.fasterxml.jackson.databind.JsonNode kerasDefinition() {
        return arch instanceof KerasArchitecture ? config.keras() : ZooKeras.of(config, sampleShape, numClasses, task).definition();
    }

    @Override
    public Map<String, List<NamedTensor>> kerasWeights() {
        Map<String, NamedTensor> byName = new java.util.HashMap<>();
        parameters().forEach(t -> byName.put(t.name(), t));
        Map<String, List<String>> layers = new java.util.LinkedHashMap<>();
        if (arch instanceof KerasArchitecture k) {
            k.weights.forEach((layer, slots) -> layers.put(layer, slots.stream().map(Variables.Slot::name).toList()));
        } else {
            layers.putAll(ZooKeras.of(config, sampleShape, numClasses, task).weights());
        }
        Map<String, List<NamedTensor>> out = new java.util.LinkedHashMap<>();
        java.util.Set<String> unmapped = new java.util.LinkedHashSet<>(byName.keySet());
        layers.forEach((layer, names) -> out.put(layer, names.stream().map(n -> {
            unmapped.remove(n);
            NamedTensor t = byName.get(n);
            if (t == null) {
                throw new IllegalStateException("Keras layer '" + layer + "' maps to variable '" + n + "', which the model lacks");
            }
            return t;
        }).toList()));
        if (!unmapped.isEmpty()) {
            // A weight left out would make Keras predict with its own initial values: fail instead of exporting that.
            throw new IllegalStateException("variables without a Keras layer: " + unmapped);
        }
        return out;
    }

    @Override
    public void saveKerasWeights(Path file) {
        KerasWeights.write(file, kerasWeights(), KerasModel.parse(kerasDefinition()).keras3WeightPaths());
    }

    @Override
    public List<String> frozenParameterNames() {
        return arch instanceof KerasArchitecture k ? k.frozen : List.of();
    }

    @Override
    public void loadKerasWeights(Path file) {
        List<NamedTensor> loaded = KerasWeights.match(file, kerasWeights(), KerasModel.parse(kerasDefinition()).keras3WeightPaths());
        Map<String, NamedTensor> byName = new java.util.HashMap<>();
        loaded.forEach(t -> byName.put(t.name(), t));
        loadState(state().stream().map(t -> byName.getOrDefault(t.name(), t)).toList());
    }

    // ---- running ------------------------------------------------------------------------------------------------

    @Override
    public StepResult trainStep(Batch batch, float lr) {
        if (critic != null) {
            return adversarialStep(batch, lr);
        }
        try (Result out = stepRunner(batch, lr).run()) {
            return stepResult(out);
        }
    }

    /**
     * The critic's updates on the batch ({@link dev.preflight.wire.Adversarial#criticUpdatesAt}), then the generator's
     * update on L1 + weight x its adversarial loss, scored by the critic as it now is.
     */
    private StepResult adversarialStep(Batch batch, float lr) {
        int updates = adversarial.criticUpdatesAt((int) trainSteps + 1);
        float criticLoss = Float.NaN;
        float criticGradNorm = Float.NaN;
        // The batch is written into the feed tensors once: every critic update and the generator's read the same ones.
        Feeds.Fed fed = feeds.of(batch);
        for (int k = 0; k < updates; k++) {
            try (Result out = fed.apply(session.runner()).feed(training, trainingOn).addTarget(critic.train)
                    .fetch(critic.loss).fetch(critic.gradNorm).run()) {
                criticLoss = ((TFloat32) out.get(0)).getFloat();
                criticGradNorm = ((TFloat32) out.get(1)).getFloat();
            }
        }
        Session.Runner r = stepRunner(fed, batch.size(), lr).fetch(critic.wassersteinEstimate).fetch(critic.generatorLoss);
        try (Result out = r.run()) {
            StepResult g = stepResult(out);
            int n = 3 + 2 * step.updateRatios.size();
            return g.withCritic(new dev.preflight.wire.CriticStep(((TFloat32) out.get(n)).getFloat(), criticLoss, criticGradNorm,
                    updates, ((TFloat32) out.get(n + 1)).getFloat()));
        }
    }

    /**
     * One train step that also returns TensorFlow's run metadata with the partition graphs: per device, the ops it
     * really ran (DataParallelTest checks that every tower's device computes).
     */
    org.tensorflow.proto.RunMetadata trainStepPlacement(Batch batch, float lr) {
        Session.Runner r = stepRunner(batch, lr).setOptions(org.tensorflow.proto.RunOptions.newBuilder().setOutputPartitionGraphs(true).build());
        try (Result out = r.runAndFetchMetadata()) {
            return out.getMetadata().orElseThrow();
        }
    }

    private Session.Runner stepRunner(Batch batch, float lr) {
        if (devices.parallel()) {
            devices.checkBatch(batch.size());
        }
        return stepRunner(feeds.of(batch), batch.size(), lr);
    }

    /** The train step's runner over a batch already written into the feed tensors ({@link Feeds#of}). */
    private Session.Runner stepRunner(Feeds.Fed f, int batchSize, float lr) {
        long stepIndex = trainSteps++;
        rateFeed.setFloat(lr);
        seedFeed.setLong(stepIndex, 1);
        Session.Runner r = f.apply(session.runner()).feed(learningRate, rateFeed).feed(training, trainingOn).feed(dropoutSeed, seedFeed)
                .addTarget(step.train).fetch(stepLoss).fetch(step.gradNorm).fetch(stepEntropy);
        step.updateRatios.forEach(r::fetch);
        step.gradNorms.forEach(r::fetch);
        return r;
    }

    private StepResult stepResult(Result out) {
        int n = step.updateRatios.size();
        float[] ratios = new float[n];
        float[] gradNorms = new float[n];
        for (int i = 0; i < n; i++) {
            ratios[i] = ((TFloat32) out.get(3 + i)).getFloat();
            gradNorms[i] = ((TFloat32) out.get(3 + n + i)).getFloat();
        }
        return new StepResult(((TFloat32) out.get(0)).getFloat(), ((TFloat32) out.get(1)).getFloat(), ratios,
                ((TFloat32) out.get(2)).getFloat(), gradNorms);
    }

    @Override
    public void setStepsTaken(long steps) {
        this.trainSteps = steps;
    }

    @Override
    public Evaluation evaluate(Batch batch) {
        try (Result out = feeds.of(batch).apply(session.runner()).fetch(head.dataLoss()).fetch(head.predictions()).fetch(head.outputs()).run()) {
            TInt32 p = (TInt32) out.get(1);
            int[] pred = new int[(int) p.size()];
            p.copyTo(DataBuffers.of(pred, false, false));
            TFloat32 o = (TFloat32) out.get(2);
            float[] outs = new float[(int) o.size()];
            o.copyTo(DataBuffers.of(outs, false, false));
            return new Evaluation(((TFloat32) out.get(0)).getFloat(), pred, outs);
        }
    }

    @Override
    public float[] probabilities(Batch batch) {
        try (Result out = feeds.of(batch).apply(session.runner()).fetch(head.probabilities()).run()) {
            TFloat32 p = (TFloat32) out.get(0);
            float[] v = new float[(int) p.size()];
            p.copyTo(DataBuffers.of(v, false, false));
            return v;
        }
    }

    // ---- variables in and out -----------------------------------------------------------------------------------

    @Override
    public List<NamedTensor> parameters() {
        return Variables.read(session, vars.inference());
    }

    @Override
    public void loadParameters(List<NamedTensor> values) {
        Variables.load(session, vars.inference(), values);
    }

    @Override
    public List<NamedTensor> state() {
        return Variables.read(session, stateSlots());
    }

    @Override
    public void loadState(List<NamedTensor> values) {
        Variables.load(session, stateSlots(), values);
    }

    /** The model's variables, then the critic's (its weights and RMSProp slots) when it has one. */
    private List<Variables.Slot> stateSlots() {
        if (critic == null) {
            return vars.all();
        }
        List<Variables.Slot> all = new java.util.ArrayList<>(vars.all());
        all.addAll(critic.vars.all());
        return all;
    }

    @Override
    public void exportSavedModel(Path dir) throws IOException {
        SavedModelExporter.export(session, feeds.input, task, head.probabilities(), dir);
    }

    // ---- facts --------------------------------------------------------------------------------------------------

    @Override
    public long parameterCount() {
        return vars.params().stream().mapToLong(Variables.Slot::size).sum();
    }

    @Override
    public List<String> parameterNames() {
        return vars.params().stream().map(Variables.Slot::name).toList();
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
        feeds.close();
        rateFeed.close();
        trainingOn.close();
        seedFeed.close();
        session.close();
        graph.close();
    }
}
