package dev.preflight.cli.bench;

import dev.preflight.nn.Model;
import dev.preflight.nn.Models;
import dev.preflight.nn.TfThreads;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;
import dev.preflight.wire.ModelConfig;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.BiasAdd;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.MaxPool;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.types.TFloat32;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Training throughput of the default CNN on 28x28x1 inputs under one setting of each performance lever, measured in a
 * JVM of its own: TensorFlow reads {@code TF_ENABLE_ONEDNN_OPTS} once, when its native library loads, so a lever that is
 * an environment variable needs a fresh process, and every lever gets one so the figures compare like with like.
 *
 * <p>Two workloads. {@code zoo}: Preflight's own graph ({@link Models}: gated gradients, Adam, update ratios, gradient
 * norm). {@code raw}: the same layers (3x3 conv 16, 2x2 max-pool, 3x3 conv 32, max-pool, dense 64, dense 10) trained by
 * plain gradient descent, where data layout (NHWC/NCHW) and Grappler's op fusion (the remapper, which fuses
 * Conv2D + BiasAdd + Relu) can be switched. Both do the same convolution and dense FLOPs per sample.
 *
 * <p>The child prints one line: {@code samples_per_second=<v>}, or {@code unsupported=<TensorFlow's message>} when a
 * setting cannot run on this machine (NCHW convolutions on a CPU build without oneDNN, for one).
 */
public final class FlopProbe {

    /** One lever setting: what to run and how. */
    public record Setting(String name, String workload, int batch, TfThreads threads, boolean nchw, boolean remapper, Boolean oneDnn) {
        List<String> args() {
            return List.of(workload, String.valueOf(batch), String.valueOf(threads.intraOp()), String.valueOf(threads.interOp()),
                    String.valueOf(threads.spinning()), nchw ? "NCHW" : "NHWC", remapper ? "on" : "off");
        }
    }

    /** What one child measured: samples/s, or why the setting could not run. */
    public record Outcome(Setting setting, double samplesPerSecond, String unsupported) {
    }

    private static final int WARMUP = 3;
    private static final int STEPS = 12;

    private FlopProbe() {
    }

    /** Runs {@code s} in a child JVM with this JVM's class path; {@code oneDnn} null leaves TensorFlow's default. */
    public static Outcome measure(Setting s) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), FlopProbe.class.getName()));
        cmd.addAll(s.args());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
        if (s.oneDnn() != null) {
            pb.environment().put("TF_ENABLE_ONEDNN_OPTS", s.oneDnn() ? "1" : "0");
        } else {
            pb.environment().remove("TF_ENABLE_ONEDNN_OPTS");
        }
        try {
            Process p = pb.start();
            String last = "";
            StringBuilder all = new StringBuilder();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    all.append(line).append('\n');
                    if (line.startsWith("samples_per_second=") || line.startsWith("unsupported=")) {
                        last = line;
                    }
                }
            }
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Outcome(s, Double.NaN, "timed out");
            }
            if (last.startsWith("samples_per_second=")) {
                return new Outcome(s, Double.parseDouble(last.substring(last.indexOf('=') + 1)), null);
            }
            if (last.startsWith("unsupported=")) {
                return new Outcome(s, Double.NaN, last.substring(last.indexOf('=') + 1));
            }
            String out = all.toString().strip();
            return new Outcome(s, Double.NaN, "probe exited " + p.exitValue() + ": " + out.substring(Math.max(0, out.length() - 300)));
        } catch (IOException e) {
            return new Outcome(s, Double.NaN, "cannot start the probe: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(s, Double.NaN, "interrupted");
        }
    }

    /** Child entry point: {@code <zoo|raw> <batch> <intra> <inter> <spinning> <NHWC|NCHW> <remapper on|off>}. */
    public static void main(String[] a) {
        String workload = a[0];
        int batch = Integer.parseInt(a[1]);
        TfThreads threads = new TfThreads(Integer.parseInt(a[2]), Integer.parseInt(a[3]), Boolean.parseBoolean(a[4]));
        boolean nchw = "NCHW".equals(a[5]);
        boolean remapper = "on".equals(a[6]);
        try {
            double sps = "zoo".equals(workload) ? zoo(batch, threads) : raw(batch, threads, nchw, remapper);
            System.out.println(String.format(Locale.ROOT, "samples_per_second=%.3f", sps));
        } catch (RuntimeException e) {
            String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            System.out.println("unsupported=" + e.getClass().getSimpleName() + ": " + m);
        }
    }

    /** Preflight's zoo CNN ({@code cnn}, defaults), Adam, at {@code batch}: training samples per second. */
    static double zoo(int batch, TfThreads threads) {
        SplittableRandom rng = new SplittableRandom(7);
        List<Batch> batches = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] pixels = new byte[batch * 784];
            rng.nextBytes(pixels);
            int[] labels = rng.ints(batch, 0, 10).toArray();
            batches.add(new Batch(i, 0, DType.UINT8, new int[]{28, 28, 1}, 10, labels, pixels));
        }
        try (Model m = Models.forBatch(new ModelConfig("cnn", 42L, 1e-3, null), batches.get(0), threads)) {
            for (int i = 0; i < WARMUP; i++) {
                m.trainStep(batches.get(i % batches.size()), 1e-3f);
            }
            long t = System.nanoTime();
            for (int i = 0; i < STEPS; i++) {
                m.trainStep(batches.get(i % batches.size()), 1e-3f);
            }
            return (double) STEPS * batch / ((System.nanoTime() - t) / 1e9);
        }
    }

    /** The same layers as the zoo CNN, plain gradient descent, with the layout and fusion switchable. */
    static double raw(int batch, TfThreads threads, boolean nchw, boolean remapper) {
        String format = nchw ? "NCHW" : "NHWC";
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(nchw ? Shape.of(batch, 1, 28, 28) : Shape.of(batch, 28, 28, 1)));
            Placeholder<TFloat32> y = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(batch, 10)));
            List<Variable<TFloat32>> vars = new ArrayList<>();
            List<Op> inits = new ArrayList<>();
            Operand<TFloat32> h = conv(tf, x, 1, 16, format, vars, inits);
            h = pool(tf, h, nchw);
            h = conv(tf, h, 16, 32, format, vars, inits);
            h = pool(tf, h, nchw);
            h = tf.reshape(h, tf.constant(new long[]{batch, 7 * 7 * 32}));
            h = tf.nn.relu(dense(tf, h, 7 * 7 * 32, 64, vars, inits));
            Operand<TFloat32> logits = dense(tf, h, 64, 10, vars, inits);
            Operand<TFloat32> loss = tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, y).loss(), tf.constant(0));
            Output<?>[] xs = vars.stream().map(Variable::asOutput).toArray(Output<?>[]::new);
            Output<?>[] grads = g.addGradients(loss.asOutput(), xs);
            List<Op> applies = new ArrayList<>();
            for (int i = 0; i < vars.size(); i++) {
                @SuppressWarnings("unchecked")
                Operand<TFloat32> gi = (Operand<TFloat32>) grads[i];
                applies.add(tf.train.applyGradientDescent(vars.get(i), tf.constant(1e-3f), gi));
            }
            Op train = tf.withControlDependencies(applies).noOp();
            ConfigProto config = ConfigProto.newBuilder().mergeFrom(configOf(threads))
                    .setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(RewriterConfig.newBuilder()
                            .setRemapping(remapper ? RewriterConfig.Toggle.DEFAULT : RewriterConfig.Toggle.OFF)))
                    .build();
            SplittableRandom rng = new SplittableRandom(7);
            float[] pixels = new float[batch * 784];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) rng.nextDouble();
            }
            float[] oneHot = new float[batch * 10];
            for (int i = 0; i < batch; i++) {
                oneHot[i * 10 + rng.nextInt(10)] = 1f;
            }
            try (Session s = new Session(g, config);
                 TFloat32 xv = TFloat32.tensorOf(x.shape(), DataBuffers.of(pixels, true, false));
                 TFloat32 yv = TFloat32.tensorOf(Shape.of(batch, 10), DataBuffers.of(oneHot, true, false))) {
                Session.Runner init = s.runner();
                inits.forEach(init::addTarget);
                init.run();
                for (int i = 0; i < WARMUP; i++) {
                    s.runner().feed(x, xv).feed(y, yv).addTarget(train).run();
                }
                long t = System.nanoTime();
                for (int i = 0; i < STEPS; i++) {
                    s.runner().feed(x, xv).feed(y, yv).addTarget(train).run();
                }
                return (double) STEPS * batch / ((System.nanoTime() - t) / 1e9);
            }
        }
    }

    private static ConfigProto configOf(TfThreads t) {
        return ConfigProto.newBuilder().setIntraOpParallelismThreads(t.intraOp()).setInterOpParallelismThreads(t.interOp())
                .setUsePerSessionThreads(true)
                .setExperimental(ConfigProto.Experimental.newBuilder().setDisableThreadSpinning(!t.spinning())).build();
    }

    private static Operand<TFloat32> conv(Ops tf, Operand<TFloat32> x, long in, long out, String format,
                                          List<Variable<TFloat32>> vars, List<Op> inits) {
        Variable<TFloat32> w = variable(tf, vars, inits, 0.1f, 3, 3, in, out);
        Variable<TFloat32> b = variable(tf, vars, inits, 0f, out);
        Operand<TFloat32> z = tf.nn.conv2d(x, w, List.of(1L, 1L, 1L, 1L), "SAME", Conv2d.dataFormat(format));
        return tf.nn.relu(tf.nn.biasAdd(z, b, BiasAdd.dataFormat(format)));
    }

    private static Operand<TFloat32> pool(Ops tf, Operand<TFloat32> x, boolean nchw) {
        int[] window = nchw ? new int[]{1, 1, 2, 2} : new int[]{1, 2, 2, 1};
        return tf.nn.maxPool(x, tf.constant(window), tf.constant(window), "SAME", MaxPool.dataFormat(nchw ? "NCHW" : "NHWC"));
    }

    private static Operand<TFloat32> dense(Ops tf, Operand<TFloat32> x, long in, long out, List<Variable<TFloat32>> vars, List<Op> inits) {
        Variable<TFloat32> w = variable(tf, vars, inits, 0.05f, in, out);
        Variable<TFloat32> b = variable(tf, vars, inits, 0f, out);
        return tf.nn.biasAdd(tf.linalg.matMul(x, w), b);
    }

    private static Variable<TFloat32> variable(Ops tf, List<Variable<TFloat32>> vars, List<Op> inits, float scale, long... shape) {
        Variable<TFloat32> v = tf.variable(Shape.of(shape), TFloat32.class);
        Operand<TFloat32> value = tf.math.mul(tf.random.statelessRandomNormal(tf.constant(shape), tf.constant(new long[]{1, vars.size()})),
                tf.constant(scale));
        inits.add(tf.assign(v, value));
        vars.add(v);
        return v;
    }
}
