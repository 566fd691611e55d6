package dev.preflight.nn;

import dev.preflight.keras.KerasModel;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.DepthwiseConv2dNative;
import org.tensorflow.types.TFloat32;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

import static dev.preflight.nn.KerasDefs.config;
import static dev.preflight.nn.KerasDefs.functional;
import static dev.preflight.nn.KerasDefs.input;
import static dev.preflight.nn.KerasDefs.layer;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ops {@link KerasArchitecture} rewrites (so TensorFlow's C++ gradient registry can differentiate them) compute
 * what TensorFlow's own ops compute: depthwise, dilated and transposed convolutions, forward, to 1e-5.
 */
class KerasOpsTest {

    /** Builds the one-layer model {@code in -> layer -> flatten} and compares its output with {@code native(x, weight)}. */
    static void same(String layerJson, int[] shape, BiFunction<Ops, Operand<TFloat32>[], Operand<TFloat32>> nativeOp) {
        String json = functional("flat", null, input("in", shape), layerJson, layer("Flatten", "flat", "", "l"));
        KerasModel k = KerasModel.parse(json);
        int outputs = (int) k.infer(null).output()[0];
        int features = shape[0] * shape[1] * shape[2];
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, features)));
            Variables vars = new Variables(tf);
            Layers layers = new Layers(tf, vars, x, tf.constant(0f), tf.constant(new long[]{0, 0}));
            KerasArchitecture arch = new KerasArchitecture(k, Task.REGRESSION);
            Operand<TFloat32> ours = arch.build(layers, config(json), shape, outputs);
            @SuppressWarnings("unchecked")
            Operand<TFloat32>[] ws = arch.weights.get("l").stream().map(s -> (Operand<TFloat32>) s.variable()).toArray(Operand[]::new);
            Operand<TFloat32> image = tf.reshape(x, tf.constant(new long[]{-1, shape[0], shape[1], shape[2]}));
            Operand<TFloat32> theirs = tf.reshape(nativeOp.apply(tf, concat(image, ws)), tf.constant(new long[]{-1, outputs}));
            // One thread per session, as the models run: a session on TensorFlow's global pools would change the
            // kernels later tests in this JVM get, and PinnedLossCurveTest pins their bits.
            try (Session s = new Session(g, org.tensorflow.proto.ConfigProto.newBuilder().setIntraOpParallelismThreads(1)
                    .setInterOpParallelismThreads(1).setUsePerSessionThreads(true).build())) {
                Variables.load(s, vars.all(), Initializers.initialValues(vars.all(), 7, 1));
                float[] data = new float[2 * features];
                SplittableRandom rng = new SplittableRandom(1);
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) rng.nextDouble();
                }
                try (TFloat32 in = TFloat32.tensorOf(Shape.of(2, features), DataBuffers.of(data, true, false));
                     Result r = s.runner().feed(x, in).fetch(ours).fetch(theirs).run()) {
                    float[] a = new float[2 * outputs];
                    float[] b = new float[2 * outputs];
                    ((TFloat32) r.get(0)).copyTo(DataBuffers.of(a, false, false));
                    ((TFloat32) r.get(1)).copyTo(DataBuffers.of(b, false, false));
                    double max = 0;
                    for (int i = 0; i < a.length; i++) {
                        max = Math.max(max, Math.abs(a[i] - b[i]));
                    }
                    assertEquals(0, max, 1e-5, layerJson);
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Operand<TFloat32>[] concat(Operand<TFloat32> image, Operand<TFloat32>[] ws) {
        Operand<TFloat32>[] all = new Operand[ws.length + 1];
        all[0] = image;
        System.arraycopy(ws, 0, all, 1, ws.length);
        return all;
    }

    @Test
    void depthwiseWithMultiplierAndDilation() {
        same(layer("DepthwiseConv2D", "l", "\"kernel_size\": 3, \"padding\": \"same\", \"depth_multiplier\": 2, \"use_bias\": false", "in"),
                new int[]{7, 6, 3}, (tf, a) -> tf.nn.depthwiseConv2dNative(a[0], a[1], List.of(1L, 1L, 1L, 1L), "SAME"));
        same(layer("DepthwiseConv2D", "l", "\"kernel_size\": 3, \"padding\": \"valid\", \"dilation_rate\": 2, \"use_bias\": false", "in"),
                new int[]{9, 9, 2}, (tf, a) -> tf.nn.depthwiseConv2dNative(a[0], a[1], List.of(1L, 1L, 1L, 1L), "VALID",
                        DepthwiseConv2dNative.dilations(List.of(1L, 2L, 2L, 1L))));
        same(layer("DepthwiseConv2D", "l", "\"kernel_size\": [3, 2], \"strides\": 2, \"padding\": \"same\", \"use_bias\": false", "in"),
                new int[]{8, 7, 2}, (tf, a) -> tf.nn.depthwiseConv2dNative(a[0], a[1], List.of(1L, 2L, 2L, 1L), "SAME"));
    }

    @Test
    void dilatedConvolution() {
        same(layer("Conv2D", "l", "\"filters\": 3, \"kernel_size\": 3, \"padding\": \"same\", \"dilation_rate\": [2, 3], \"use_bias\": false", "in"),
                new int[]{9, 10, 2}, (tf, a) -> tf.nn.conv2d(a[0], a[1], List.of(1L, 1L, 1L, 1L), "SAME", Conv2d.dilations(List.of(1L, 2L, 3L, 1L))));
    }

    @Test
    void separableConvolution() {
        same(layer("SeparableConv2D", "l", "\"filters\": 5, \"kernel_size\": 3, \"padding\": \"valid\", \"depth_multiplier\": 2, \"use_bias\": false", "in"),
                new int[]{6, 6, 3}, (tf, a) -> tf.nn.conv2d(tf.nn.depthwiseConv2dNative(a[0], a[1], List.of(1L, 1L, 1L, 1L), "VALID"),
                        a[2], List.of(1L, 1L, 1L, 1L), "VALID"));
    }

    @Test
    void transposedConvolution() {
        for (String pad : List.of("same", "valid")) {
            for (int[] ks : new int[][]{{3, 2}, {2, 2}, {4, 2}, {3, 1}, {1, 3}}) {
                int k = ks[0];
                int s = ks[1];
                int[] shape = {5, 4, 3};
                long oh = pad.equals("same") ? 5L * s : 5L * s + Math.max(k - s, 0);
                long ow = pad.equals("same") ? 4L * s : 4L * s + Math.max(k - s, 0);
                same(layer("Conv2DTranspose", "l", "\"filters\": 2, \"kernel_size\": " + k + ", \"strides\": " + s + ", \"padding\": \""
                                + pad + "\", \"use_bias\": false", "in"), shape,
                        (tf, a) -> tf.nn.conv2dBackpropInput(tf.concat(List.of(tf.slice(tf.shape(a[0]), tf.constant(new int[]{0}), tf.constant(new int[]{1})),
                                        tf.constant(new int[]{(int) oh, (int) ow, 2})), tf.constant(0)), a[1], a[0],
                                List.of(1L, (long) s, (long) s, 1L), pad.toUpperCase()));
            }
        }
    }
}
