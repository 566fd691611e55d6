package dev.preflight.nn;

import dev.preflight.wire.NamedTensor;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every variable of a model's graph, by role, and the only way values go in and out of them.
 *
 * <p>Why one place: a weight snapshot, a checkpoint and the initial weights are all "these variables, in this order,
 * with these names and shapes". The order is a contract: {@link #inference()} is what a snapshot carries and
 * {@link #all()} what a checkpoint carries, and both are checked name by name on load. Values never come from
 * TensorFlow initialiser ops: each variable has a placeholder and an assign op, and is fed from Java
 * ({@link Initializers}, snapshots, checkpoints), so nothing depends on TensorFlow's RNG.
 */
final class Variables {

    /** A variable with its load placeholder and assign op, and how to initialise it. */
    record Slot(String name, long[] shape, Variable<TFloat32> variable, Placeholder<TFloat32> value, Assign<TFloat32> load,
                Initializers.Init init, long fanIn, long fanOut, dev.preflight.keras.KerasInit keras) {
        int size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return (int) n;
        }

        /** 0 .. rank-1: reduce over every axis. */
        int[] allAxes() {
            int[] axes = new int[shape.length];
            for (int i = 0; i < axes.length; i++) {
                axes[i] = i;
            }
            return axes;
        }
    }

    private final Ops tf;
    /** Trained by gradients, in creation order: the order of {@link Model.StepResult#updateRatios()}. */
    private final List<Slot> params = new ArrayList<>();
    /** Not trained by gradients but needed to resume: optimiser slots and batch-norm moving statistics. */
    private final List<Slot> state = new ArrayList<>();
    /** Batch-norm moving statistics: needed for inference, so they travel in snapshots too. */
    private final List<Slot> stats = new ArrayList<>();
    /** Kernels (not biases, not batch-norm scales): what weight decay penalises. */
    private final List<Slot> kernels = new ArrayList<>();

    /**
     * Non-null in a tower's view ({@link #shared()}): there a layer's variable is the one the owner already created
     * under that name, so every tower of a data-parallel graph trains the same weights.
     */
    private final Variables owner;

    Variables(Ops tf) {
        this.tf = tf;
        this.owner = null;
    }

    private Variables(Variables owner) {
        this.tf = owner.tf;
        this.owner = owner;
    }

    /**
     * A view for building the same architecture again ({@link DataParallel}'s towers): asking it for a variable returns
     * the one this set already holds by that name and shape, instead of creating a second copy.
     */
    Variables shared() {
        return new Variables(this);
    }

    private Slot existing(String name, long[] shape) {
        for (Slot s : all()) {
            if (s.name().equals(name)) {
                if (!Arrays.equals(s.shape(), shape)) {
                    throw new IllegalStateException("a tower asks for " + name + Arrays.toString(shape) + ", the model has it as "
                            + Arrays.toString(s.shape()));
                }
                return s;
            }
        }
        throw new IllegalStateException("a tower asks for variable " + name + ", which the model's first build did not create");
    }

    /** A trainable kernel (weight-decayed). */
    Slot kernel(String name, Initializers.Init init, long fanIn, long fanOut, long... shape) {
        Slot s = trainable(name, init, fanIn, fanOut, shape);
        kernels.add(s);
        return s;
    }

    /** A trainable variable that is not a kernel: a bias, a batch-norm scale or offset. */
    Slot trainable(String name, Initializers.Init init, long fanIn, long fanOut, long... shape) {
        Slot s = create(name, init, fanIn, fanOut, shape);
        params.add(s);
        return s;
    }

    /** An optimiser slot (moments, momentum, beta powers): part of a checkpoint, not of a snapshot. */
    Slot optimizerState(String name, Initializers.Init init, long... shape) {
        Slot s = create(name, init, 0, 0, shape);
        state.add(s);
        return s;
    }

    /** A batch-norm moving statistic: part of both a checkpoint and a snapshot. */
    Slot movingStatistic(String name, Initializers.Init init, long... shape) {
        Slot s = optimizerState(name, init, shape);
        stats.add(s);
        return s;
    }

    /** A variable named {@code scope/leaf} with its load placeholder {@code scope/leaf_value} and op {@code scope/leaf_load}. */
    private Slot create(String name, Initializers.Init init, long fanIn, long fanOut, long... shape) {
        if (owner != null) {
            return owner.existing(name, shape);
        }
        String[] path = name.split("/");
        Ops scoped = tf;
        for (int i = 0; i < path.length - 1; i++) {
            scoped = scoped.withSubScope(path[i]);
        }
        String leaf = path[path.length - 1];
        Variable<TFloat32> v = scoped.withName(leaf).variable(Shape.of(shape), TFloat32.class);
        Placeholder<TFloat32> value = scoped.withName(leaf + "_value").placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
        Assign<TFloat32> load = scoped.withName(leaf + "_load").assign(v, value);
        return new Slot(name, shape, v, value, load, init, fanIn, fanOut, null);
    }

    /**
     * A variable of an imported Keras layer, initialised as its definition says ({@link Initializers.Init#KERAS}).
     *
     * @param role kernel (trained, weight-decayed), trainable (a bias, a batch-norm scale), frozen (a layer with
     *             {@code trainable: false}: travels in snapshots and checkpoints, never gets a gradient) or statistic
     *             (batch-norm moving mean and variance)
     */
    Slot keras(String name, dev.preflight.keras.KerasInit init, Role role, long... shape) {
        Slot s = create(name, Initializers.Init.KERAS, 0, 0, shape);
        s = new Slot(s.name(), s.shape(), s.variable(), s.value(), s.load(), s.init(), 0, 0, init);
        switch (role) {
            case KERNEL -> {
                params.add(s);
                kernels.add(s);
            }
            case TRAINABLE -> params.add(s);
            case FROZEN, STATISTIC -> {
                state.add(s);
                stats.add(s);
            }
        }
        return s;
    }

    /** How an imported variable is trained; see {@link #keras}. */
    enum Role { KERNEL, TRAINABLE, FROZEN, STATISTIC }

    List<Slot> params() {
        return params;
    }

    List<Slot> kernels() {
        return kernels;
    }

    /** What inference needs: the trainable parameters, then the batch-norm moving statistics. */
    List<Slot> inference() {
        List<Slot> all = new ArrayList<>(params);
        all.addAll(stats);
        return all;
    }

    /** Everything, to resume training exactly: the trainable parameters, then optimiser state and statistics. */
    List<Slot> all() {
        List<Slot> all = new ArrayList<>(params);
        all.addAll(state);
        return all;
    }

    static List<NamedTensor> read(Session session, List<Slot> slots) {
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

    /** Assigns every slot in one session run; names and shapes must match slot by slot. */
    static void load(Session session, List<Slot> slots, List<NamedTensor> values) {
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
}
