package dev.preflight.nn;

import dev.preflight.wire.ModelConfig;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetRequestedDevice;

/**
 * Data-parallel training of one model in one graph ("make sure multi-GPU training works"): one tower per device, every
 * tower the same architecture on the same variables, the batch split evenly across towers, and the towers' gradients
 * averaged into the one set of gradients {@link TrainingStep} gates and hands to the optimiser. This is the in-graph
 * replication of TensorFlow's classic multi-GPU CIFAR-10 example and of Keras' {@code MirroredStrategy} on one host.
 *
 * <p>Layout: the variables (and with them the optimiser's apply ops, which TensorFlow colocates with their variable)
 * live once, on device 0; the batch is split there; tower {@code t}'s forward pass, loss and backward pass run on
 * {@code /device:<kind>:t} under the name scope {@code tower_t/}; the average is taken on device 0.
 *
 * <p>Same numbers as one device: tower {@code t}'s gradient enters the average with weight {@code W_t / W}, its share
 * of the batch's loss weight (the sum of its sample weights; {@code 1/N} for regression, whose loss is a plain mean
 * over equal shards). The weighted average of the towers' mean losses is then exactly the whole batch's mean loss, so
 * the averaged gradient is the one-device gradient up to float rounding (DataParallelTest measures the curves). The
 * weight-decay penalty is in every tower's objective, and the weights sum to 1, so it counts once.
 *
 * <p>Where towers differ from one device, by design:
 * <ul>
 *   <li>Batch norm normalises each tower's shard with that shard's own statistics (batch {@code B/N}), like
 *       {@code MirroredStrategy}'s default (non-synchronised) {@code BatchNormalization}; the moving statistics are
 *       updated from tower 0's shard only, as the multi-GPU CIFAR-10 example keeps one tower's update ops. A model with
 *       batch norm therefore follows a slightly different (still deterministic) curve than on one device.</li>
 *   <li>Dropout draws each tower's masks from the stateless key (seed, step) offset per tower, so towers never share a
 *       mask pattern; the masks differ from one device's, which draws one mask for the whole batch.</li>
 * </ul>
 * Evaluation, prediction and export keep using the single full-batch head the model builds first: towers are for
 * training only, and the graph's named ops ({@code loss}, {@code probabilities}, ...) are still that head's.
 */
final class DataParallel {

    /** Added to the first half of a tower's dropout key ({@code seed + t * stride}, step): far from any neighbour seed. */
    static final long TOWER_SEED_STRIDE = 0x9E3779B97F4A7C15L;

    /** The batch's mean data loss: the towers' losses weighted by their share of the batch. */
    final Operand<TFloat32> loss;
    /** Mean prediction entropy over the batch (NaN for regression). */
    final Operand<TFloat32> entropy;
    /** Per parameter, in {@link Variables#params()} order: the towers' gradients, averaged. */
    final Output<?>[] gradients;
    /** Tower 0's batch-norm moving-statistics updates. */
    final List<Op> trainingUpdates;

    /**
     * Builds the towers into a graph that already holds the model's variables (from its first, full-batch build).
     *
     * @param input    the network input [B, features] (after any input fault drill); B must divide by the device count
     *                 when the graph runs, which {@link Devices#checkBatch} checks first
     * @param feeds    labels, targets and sample weights, split like the input
     */
    @SuppressWarnings("unchecked")
    DataParallel(Graph graph, Ops tf, Devices devices, Variables vars, Operand<TFloat32> input, Feeds feeds,
                 Operand<TFloat32> training, Operand<TInt64> dropoutSeed, Architectures.Architecture arch,
                 ModelConfig config, Task task, int[] sampleShape, int numClasses) {
        int n = devices.count();
        Ops first = tf.withDevice(devices.spec(0));
        Ops split = first.withSubScope("split");
        Operand<TInt32> axis0 = split.constant(0);
        List<Output<TFloat32>> inputs = split.split(axis0, input, (long) n).output();
        List<Output<TInt32>> labels = split.split(axis0, feeds.labels(), (long) n).output();
        List<Output<TFloat32>> targets = split.split(axis0, feeds.targets(), (long) n).output();
        List<Output<TFloat32>> weights = split.split(axis0, feeds.sampleWeights(), (long) n).output();

        Variables shared = vars.shared();
        Output<?>[] xs = TrainingStep.outputs(vars.params());
        List<Operand<TFloat32>> losses = new ArrayList<>();
        List<Operand<TFloat32>> entropies = new ArrayList<>();
        List<Operand<TFloat32>> shares = new ArrayList<>();
        List<Output<?>[]> grads = new ArrayList<>();
        List<Op> updates = null;
        for (int t = 0; t < n; t++) {
            String scope = "tower_" + t;
            Ops tower = tf.withSubScope(scope).withDevice(devices.spec(t));
            Operand<TInt64> seed = t == 0 ? dropoutSeed
                    : tower.math.add(dropoutSeed, tower.constant(new long[]{TOWER_SEED_STRIDE * t, 0}));
            Layers layers = new Layers(tower, shared, inputs.get(t), training, seed);
            Operand<TFloat32> top = arch.replica().build(layers, config, sampleShape, numClasses);
            Losses.Head head = Losses.of(tower, config, task, numClasses, top, targets.get(t), labels.get(t), weights.get(t));
            Operand<TFloat32> objective = Losses.withWeightDecay(tower, head.dataLoss(), vars.kernels(), config.weightDecayOrDefault());
            String prefix = scope + "/gradients";
            grads.add(graph.addGradients(prefix, new Output<?>[]{objective.asOutput()}, xs, null));
            // The C API builds gradient ops without a device, and TensorFlow's placer would put every tower's backward
            // pass on the default device: place them with their tower.
            place(graph, prefix + "/", devices.name(t));
            losses.add(head.dataLoss());
            entropies.add(head.entropy());
            shares.add(task == Task.REGRESSION ? tower.constant(1f / n) : tower.sum(weights.get(t), tower.constant(0)));
            if (t == 0) {
                updates = layers.trainingUpdates();
            }
        }
        trainingUpdates = updates;

        Ops avg = first.withSubScope("tower_average");
        if (task != Task.REGRESSION) {
            Operand<TFloat32> total = sum(avg, shares);
            shares.replaceAll(w -> avg.math.div(w, total));
        }
        List<Operand<TFloat32>> weighted = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            weighted.add(avg.math.mul(shares.get(t), losses.get(t)));
        }
        loss = avg.withName("loss").identity(sum(avg, weighted));
        entropy = avg.withName("prediction_entropy").math.div(sum(avg, entropies), avg.constant((float) n));
        gradients = new Output<?>[xs.length];
        for (int i = 0; i < xs.length; i++) {
            // A parameter the loss does not reach has no gradient in any tower: left null for TrainingStep to name.
            if (grads.get(0)[i] == null) {
                continue;
            }
            List<Operand<TFloat32>> parts = new ArrayList<>();
            for (int t = 0; t < n; t++) {
                parts.add(avg.math.mul(shares.get(t), (Operand<TFloat32>) grads.get(t)[i]));
            }
            gradients[i] = sum(avg, parts).asOutput();
        }
    }

    private static Operand<TFloat32> sum(Ops tf, List<Operand<TFloat32>> terms) {
        Operand<TFloat32> s = terms.get(0);
        for (int i = 1; i < terms.size(); i++) {
            s = tf.math.add(s, terms.get(i));
        }
        return s;
    }

    /**
     * Requests {@code device} for every op whose name starts with {@code prefix} and that has no device yet.
     *
     * <p>Why through the C API: TF Java builds gradients with {@code TF_AddGradientsWithPrefix}, which ignores the Java
     * scope's device, and offers no setter for an op already built. {@code TF_SetRequestedDevice} is the call
     * TensorFlow's own Python front end uses for exactly this; it needs the graph's native handle, which TF Java keeps
     * private, hence the reflection (pinned TF Java 1.1.0; DataParallelTest fails if the placement stops happening).
     * Must run before the first session is created on the graph.
     */
    static void place(Graph graph, String prefix, String device) {
        org.tensorflow.internal.c_api.TF_Graph handle;
        try {
            java.lang.reflect.Field f = Graph.class.getDeclaredField("nativeHandle");
            f.setAccessible(true);
            handle = (org.tensorflow.internal.c_api.TF_Graph) f.get(graph);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot place gradient ops on " + device + ": this TF Java build hides the graph handle", e);
        }
        Iterator<GraphOperation> ops = graph.operations();
        while (ops.hasNext()) {
            GraphOperation op = ops.next();
            if (op.name().startsWith(prefix) && op.device().isEmpty()) {
                TF_SetRequestedDevice(handle, op.getUnsafeNativeHandle(), device);
            }
        }
    }
}
