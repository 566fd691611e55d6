package dev.preflight.nn;

import dev.preflight.keras.KerasException;
import dev.preflight.keras.KerasInit;
import dev.preflight.keras.KerasLayer;
import dev.preflight.keras.KerasLoss;
import dev.preflight.keras.KerasModel;
import dev.preflight.nn.Variables.Role;
import dev.preflight.nn.Variables.Slot;
import dev.preflight.wire.ModelConfig;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The user's Keras model ({@link KerasModel}) built as an {@link Architectures.Architecture}: on the same
 * {@link Layers} (variables by role, the {@code training} scalar, stateless dropout) as the zoo, so it trains with
 * Preflight's optimiser, gated gradients, checkpoints, snapshots and export unchanged. Variables are named
 * {@code <keras layer>/<keras weight>}, so update ratios, gradient norms and "never updated" warnings name the user's
 * layers; a layer with {@code trainable: false} keeps its weights out of the gradient step (they still travel in
 * snapshots and checkpoints).
 *
 * <p>What the loss reads ({@link #head}): Preflight's losses take logits. A softmax output with a loss that expects
 * probabilities (Keras' default) gives the loss the softmax's input, which is the same cross-entropy; a loss from
 * logits gets the output as it is (so a softmax output with {@code from_logits=True}, "softmax twice", trains exactly as
 * badly as it does in Keras); probabilities from anything but a softmax are normalised and clipped as Keras does
 * ({@code log(clip(y / sum y, 1e-7, 1 - 1e-7))}).
 *
 * <p>Ops TensorFlow's C++ gradient registry cannot differentiate are rewritten with ones it can: a depthwise
 * convolution is a full convolution with a block-diagonal kernel, a dilated kernel has zeros inserted, and a transposed
 * convolution is a convolution of the zero-interleaved input with the flipped kernel. Same maths, more FLOPs.
 */
final class KerasArchitecture implements Architectures.Architecture {

    /** Keras' epsilon for probabilities fed to a cross-entropy. */
    static final float PROBABILITY_EPSILON = 1e-7f;

    private final KerasModel model;
    private final Task task;
    /** Per layer, its variables in Keras' weight order (what an HDF5 weights file lists). */
    final Map<String, List<Slot>> weights = new LinkedHashMap<>();
    /** Variables of layers with {@code trainable: false}. */
    final List<String> frozen = new ArrayList<>();

    KerasModel model() {
        return model;
    }

    KerasArchitecture(KerasModel model, Task task) {
        this.model = model;
        this.task = task;
    }

    @Override
    public Architectures.Architecture replica() {
        return new KerasArchitecture(model, task);
    }

    @Override
    public Operand<TFloat32> build(Layers m, ModelConfig config, int[] shape, int outputs) {
        Ops tf = m.tf();
        KerasModel.Inferred inferred = model.infer(shape);
        long[] out = inferred.output();
        if (task == Task.CLASSIFICATION && (out.length != 1 || out[0] != outputs)) {
            throw KerasException.layer(model.output(), model.outputLayer().className(), "outputs " + Arrays.toString(out)
                    + ", the dataset has " + outputs + " classes (expected [" + outputs + "])");
        }
        if (task == Task.SEGMENTATION && (out.length != 3 || out[0] != shape[0] || out[1] != shape[1] || out[2] != outputs)) {
            throw KerasException.layer(model.output(), model.outputLayer().className(), "outputs " + Arrays.toString(out)
                    + ", segmentation needs per-pixel class scores [" + shape[0] + ", " + shape[1] + ", " + outputs + "]");
        }
        if (task == Task.REGRESSION && (out.length != 1 || out[0] != outputs)) {
            throw KerasException.layer(model.output(), model.outputLayer().className(), "outputs " + Arrays.toString(out)
                    + ", the regression targets have width " + outputs);
        }
        Map<String, Operand<TFloat32>> values = new HashMap<>();
        Map<String, Operand<TFloat32>> preSoftmax = new HashMap<>();
        long[] in = inferred.inputShape();
        values.put(model.layers().get(0).name(), tf.reshape(m.input(), tf.constant(withBatch(in))));
        Slot lastBias = null;
        for (KerasLayer l : model.layers().subList(1, model.layers().size())) {
            List<Operand<TFloat32>> xs = new ArrayList<>();
            List<long[]> shapes = new ArrayList<>();
            for (String s : l.inbound()) {
                xs.add(values.get(s));
                shapes.add(inferred.shapes().get(s));
            }
            Built b = layer(m, config, l, xs, shapes, inferred.shapes().get(l.name()));
            values.put(l.name(), b.out());
            if (b.preSoftmax() != null) {
                preSoftmax.put(l.name(), b.preSoftmax());
            }
            if (b.bias() != null) {
                lastBias = b.bias();
            }
        }
        KerasLayer last = model.finalWeightedLayer();
        if (last != null && lastBias != null && lastBias.name().startsWith(safe(last.name()) + "/")) {
            m.outputBias(lastBias);
        }
        return head(tf, config, values.get(model.output()), preSoftmax.get(model.output()));
    }

    /** What the loss reads: logits, the output, or log-probabilities (see the class comment). */
    private Operand<TFloat32> head(Ops tf, ModelConfig config, Operand<TFloat32> out, Operand<TFloat32> beforeSoftmax) {
        if (task == Task.REGRESSION) {
            return out;
        }
        boolean fromLogits = fromLogits(model, config);
        if (fromLogits) {
            return out;
        }
        if (beforeSoftmax != null) {
            return beforeSoftmax;
        }
        Operand<TInt32> last = tf.constant(new int[]{task == Task.SEGMENTATION ? 3 : 1});
        Operand<TFloat32> p = tf.math.div(out, tf.sum(out, last, org.tensorflow.op.core.Sum.keepDims(true)));
        p = tf.math.minimum(tf.math.maximum(p, tf.constant(PROBABILITY_EPSILON)), tf.constant(1 - PROBABILITY_EPSILON));
        return tf.math.log(p);
    }

    /** Whether the loss applies its own softmax: the compile config, else the run options, else what the output gives. */
    static boolean fromLogits(KerasModel model, ModelConfig config) {
        if (model.loss() != null) {
            return model.loss().fromLogits();
        }
        if (config.fromLogits() != null) {
            return config.fromLogits();
        }
        return !model.outputsProbabilities();
    }

    /** The loss kind for a regression model: the compile config's, when the run options name none. */
    static ModelConfig withCompiledLoss(KerasModel model, ModelConfig config) {
        KerasLoss loss = model.loss();
        if (config.loss() != null || loss == null || loss.classification()) {
            return config;
        }
        return config.toBuilder().loss(loss.kind() == KerasLoss.Kind.MAE ? ModelConfig.Loss.L1 : ModelConfig.Loss.L2).build();
    }

    private record Built(Operand<TFloat32> out, Operand<TFloat32> preSoftmax, Slot bias) {
    }

    private static long[] withBatch(long[] shape) {
        long[] s = new long[shape.length + 1];
        s[0] = -1;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }

    /** TensorFlow op names allow fewer characters than Keras layer names. */
    static String safe(String name) {
        String s = name.replaceAll("[^A-Za-z0-9_.\\-]", "_");
        return s.isEmpty() || !Character.isLetterOrDigit(s.charAt(0)) && s.charAt(0) != '.' ? "k" + s : s;
    }

    private Slot weight(Layers m, KerasLayer l, String param, KerasInit init, boolean kernel, long... shape) {
        Role role = !l.trainable() ? Role.FROZEN : kernel ? Role.KERNEL : Role.TRAINABLE;
        Slot s = m.vars().keras(safe(l.name()) + "/" + param, init, role, shape);
        if (role == Role.FROZEN) {
            frozen.add(s.name());
        }
        weights.computeIfAbsent(l.name(), k -> new ArrayList<>()).add(s);
        return s;
    }

    private Built layer(Layers m, ModelConfig config, KerasLayer l, List<Operand<TFloat32>> xs, List<long[]> shapes, long[] outShape) {
        Ops tf = m.tf();
        Operand<TFloat32> x = xs.get(0);
        long[] xs0 = shapes.get(0);
        boolean useBias = l.bool("use_bias", true);
        switch (l.className()) {
            case "Dense" -> {
                long inUnits = xs0[xs0.length - 1];
                long units = outShape[outShape.length - 1];
                Slot w = weight(m, l, "kernel", l.init("kernel_initializer", KerasInit.GLOROT_UNIFORM), true, inUnits, units);
                Operand<TFloat32> flat = xs0.length == 1 ? x : tf.reshape(x, tf.constant(new long[]{-1, inUnits}));
                Operand<TFloat32> z = tf.linalg.matMul(flat, w.variable());
                Slot b = null;
                if (useBias) {
                    b = weight(m, l, "bias", l.init("bias_initializer", KerasInit.ZEROS), false, units);
                    z = tf.nn.biasAdd(z, b.variable());
                }
                if (xs0.length > 1) {
                    z = tf.reshape(z, tf.constant(withBatch(outShape)));
                }
                return activate(tf, l, z, b);
            }
            case "Conv2D" -> {
                int[] k = l.pair("kernel_size", 1);
                Slot w = weight(m, l, "kernel", l.init("kernel_initializer", KerasInit.GLOROT_UNIFORM), true, k[0], k[1], xs0[2], outShape[2]);
                Operand<TFloat32> kernel = dilateKernel(tf, w.variable(), new long[]{k[0], k[1], xs0[2], outShape[2]}, l.pair("dilation_rate", 1));
                Operand<TFloat32> z = conv(tf, x, kernel, l);
                return biasAndActivate(m, l, z, outShape[2], useBias);
            }
            case "DepthwiseConv2D", "SeparableConv2D" -> {
                int[] k = l.pair("kernel_size", 1);
                int mult = l.intArg("depth_multiplier", 1);
                long c = xs0[2];
                Slot dw = weight(m, l, "depthwise_kernel", l.init("depthwise_initializer", KerasInit.GLOROT_UNIFORM), true, k[0], k[1], c, mult);
                Operand<TFloat32> full = depthwiseAsFull(tf, dw.variable(), k, c, mult);
                full = dilateKernel(tf, full, new long[]{k[0], k[1], c, c * mult}, l.pair("dilation_rate", 1));
                Operand<TFloat32> z = conv(tf, x, full, l);
                if (l.className().equals("SeparableConv2D")) {
                    Slot pw = weight(m, l, "pointwise_kernel", l.init("pointwise_initializer", KerasInit.GLOROT_UNIFORM), true, 1, 1, c * mult, outShape[2]);
                    z = tf.nn.conv2d(z, pw.variable(), List.of(1L, 1L, 1L, 1L), "VALID");
                }
                return biasAndActivate(m, l, z, outShape[2], useBias);
            }
            case "Conv2DTranspose" -> {
                int[] k = l.pair("kernel_size", 1);
                int[] s = l.pair("strides", 1);
                long f = outShape[2];
                Slot w = weight(m, l, "kernel", l.init("kernel_initializer", KerasInit.GLOROT_UNIFORM), true, k[0], k[1], f, xs0[2]);
                // conv_transpose(x) = conv(zero-interleaved x, flipped kernel with in/out swapped), padded to the output size
                Operand<TFloat32> kernel = tf.linalg.transpose(tf.reverse(w.variable(), tf.constant(new int[]{0, 1})), tf.constant(new int[]{0, 1, 3, 2}));
                Operand<TFloat32> up = interleave(tf, x, xs0, s);
                long[] upShape = {(xs0[0] - 1) * s[0] + 1, (xs0[1] - 1) * s[1] + 1};
                boolean same = l.padding().equals("same");
                long[][] pad = new long[2][2];
                for (int a = 0; a < 2; a++) {
                    long before = same ? k[a] - 1 - Math.max(k[a] - s[a], 0) / 2 : k[a] - 1;
                    long after = outShape[a] + k[a] - 1 - upShape[a] - before;
                    pad[a] = new long[]{before, after};
                }
                Operand<TFloat32> padded = tf.pad(up, tf.constant(new int[][]{{0, 0}, {(int) pad[0][0], (int) pad[0][1]}, {(int) pad[1][0], (int) pad[1][1]}, {0, 0}}), tf.constant(0f));
                Operand<TFloat32> z = tf.nn.conv2d(padded, kernel, List.of(1L, 1L, 1L, 1L), "VALID");
                return biasAndActivate(m, l, z, f, useBias);
            }
            case "MaxPooling2D", "AveragePooling2D" -> {
                int[] p = l.pair("pool_size", 2);
                int[] s = l.has("strides") ? l.pair("strides", 1) : p;
                String pad = l.padding().toUpperCase(java.util.Locale.ROOT);
                if (l.className().equals("MaxPooling2D")) {
                    return plain(tf.nn.maxPool(x, tf.constant(new int[]{1, p[0], p[1], 1}), tf.constant(new int[]{1, s[0], s[1], 1}), pad));
                }
                return plain(tf.nn.avgPool(x, List.of(1L, (long) p[0], (long) p[1], 1L), List.of(1L, (long) s[0], (long) s[1], 1L), pad));
            }
            case "GlobalAveragePooling2D", "GlobalMaxPooling2D" -> {
                boolean keep = l.bool("keepdims", false);
                Operand<TInt32> axes = tf.constant(new int[]{1, 2});
                return plain(l.className().startsWith("GlobalAverage")
                        ? tf.math.mean(x, axes, org.tensorflow.op.math.Mean.keepDims(keep))
                        : tf.max(x, axes, org.tensorflow.op.core.Max.keepDims(keep)));
            }
            case "ZeroPadding2D" -> {
                int[][] p = KerasModel.zeroPadding(l);
                return plain(tf.pad(x, tf.constant(new int[][]{{0, 0}, {p[0][0], p[0][1]}, {p[1][0], p[1][1]}, {0, 0}}), tf.constant(0f)));
            }
            case "Flatten", "Reshape" -> {
                return plain(tf.reshape(x, tf.constant(withBatch(outShape))));
            }
            case "Dropout" -> {
                double rate = config.dropout() != null ? config.dropout() : l.dbl("rate", 0);
                return plain(m.dropout(x, rate));
            }
            case "BatchNormalization" -> {
                return plain(batchNorm(m, l, x, xs0));
            }
            case "Activation" -> {
                return activate(tf, l, x, null);
            }
            case "ReLU" -> {
                if (l.dbl("threshold", 0) != 0) {
                    throw KerasException.layer(l.name(), l.className(), "argument 'threshold' = " + l.dbl("threshold", 0) + " is not supported (only 0)");
                }
                double slope = l.dbl("negative_slope", 0);
                Operand<TFloat32> y = slope == 0 ? tf.nn.relu(x) : tf.nn.leakyRelu(x, LeakyRelu.alpha((float) slope));
                if (l.has("max_value")) {
                    y = tf.math.minimum(y, tf.constant((float) l.dbl("max_value", 0)));
                }
                return plain(y);
            }
            case "LeakyReLU" -> {
                double slope = l.has("negative_slope") ? l.dbl("negative_slope", 0.3) : l.dbl("alpha", 0.3);
                return plain(tf.nn.leakyRelu(x, LeakyRelu.alpha((float) slope)));
            }
            case "Softmax" -> {
                return new Built(tf.nn.softmax(x), x, null);
            }
            case "Add" -> {
                Operand<TFloat32> sum = x;
                for (int i = 1; i < xs.size(); i++) {
                    sum = tf.math.add(sum, xs.get(i));
                }
                return plain(sum);
            }
            case "Concatenate" -> {
                return plain(tf.concat(xs, tf.constant(xs0.length)));
            }
            case "UpSampling2D" -> {
                int[] s = l.pair("size", 2);
                Operand<TInt32> size = tf.constant(new int[]{(int) outShape[0], (int) outShape[1]});
                return plain(l.str("interpolation", "nearest").equals("bilinear")
                        ? tf.image.resizeBilinear(x, size, ResizeBilinear.halfPixelCenters(true))
                        : tf.image.resizeNearestNeighbor(x, size));
            }
            case "Rescaling" -> {
                return plain(tf.math.add(tf.math.mul(x, tf.constant((float) l.dbl("scale", 1))), tf.constant((float) l.dbl("offset", 0))));
            }
            default -> throw KerasException.layer(l.name(), l.className(), "is not supported");
        }
    }

    private static Built plain(Operand<TFloat32> y) {
        return new Built(y, null, null);
    }

    private Built biasAndActivate(Layers m, KerasLayer l, Operand<TFloat32> z, long channels, boolean useBias) {
        Slot b = null;
        if (useBias) {
            b = weight(m, l, "bias", l.init("bias_initializer", KerasInit.ZEROS), false, channels);
            z = m.tf().nn.biasAdd(z, b.variable());
        }
        return activate(m.tf(), l, z, b);
    }

    private static Operand<TFloat32> conv(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel, KerasLayer l) {
        int[] s = l.pair("strides", 1);
        return tf.nn.conv2d(x, kernel, List.of(1L, (long) s[0], (long) s[1], 1L), l.padding().toUpperCase(java.util.Locale.ROOT));
    }

    /** A layer's activation applied to {@code z}; a softmax keeps its input as the logits a loss may read. */
    private static Built activate(Ops tf, KerasLayer l, Operand<TFloat32> z, Slot bias) {
        String a = l.activation();
        Operand<TFloat32> y = switch (a) {
            case "linear" -> z;
            case "relu" -> tf.nn.relu(z);
            case "relu6" -> tf.nn.relu6(z);
            case "sigmoid" -> tf.math.sigmoid(z);
            case "softmax" -> tf.nn.softmax(z);
            case "tanh" -> tf.math.tanh(z);
            case "elu" -> tf.nn.elu(z);
            case "selu" -> tf.nn.selu(z);
            case "softplus" -> tf.math.softplus(z);
            case "softsign" -> tf.nn.softsign(z);
            case "swish", "silu" -> tf.math.mul(z, tf.math.sigmoid(z));
            case "exponential" -> tf.math.exp(z);
            case "leaky_relu" -> tf.nn.leakyRelu(z, LeakyRelu.alpha(0.2f));
            case "gelu" -> tf.math.mul(tf.math.mul(z, tf.constant(0.5f)),
                    tf.math.add(tf.constant(1f), tf.math.erf(tf.math.mul(z, tf.constant((float) (1 / Math.sqrt(2)))))));
            default -> throw KerasException.layer(l.name(), l.className(), "activation '" + a + "' is not supported");
        };
        return new Built(y, a.equals("softmax") ? z : null, bias);
    }

    /**
     * Batch normalisation over every axis but the last, Keras' way: the batch's (biased) statistics while training,
     * the moving ones in evaluation, moving = moving x momentum + batch x (1 - momentum).
     */
    private Operand<TFloat32> batchNorm(Layers m, KerasLayer l, Operand<TFloat32> x, long[] shape) {
        Ops tf = m.tf();
        long ch = shape[shape.length - 1];
        boolean center = l.bool("center", true);
        boolean scale = l.bool("scale", true);
        float eps = (float) l.dbl("epsilon", 1e-3);
        float momentum = (float) l.dbl("momentum", 0.99);
        Slot gamma = scale ? weight(m, l, "gamma", l.init("gamma_initializer", KerasInit.ONES), false, ch) : null;
        Slot beta = center ? weight(m, l, "beta", l.init("beta_initializer", KerasInit.ZEROS), false, ch) : null;
        Slot movingMean = m.vars().keras(safe(l.name()) + "/moving_mean", l.init("moving_mean_initializer", KerasInit.ZEROS), Role.STATISTIC, ch);
        Slot movingVar = m.vars().keras(safe(l.name()) + "/moving_variance", l.init("moving_variance_initializer", KerasInit.ONES), Role.STATISTIC, ch);
        weights.computeIfAbsent(l.name(), k -> new ArrayList<>()).add(movingMean);
        weights.get(l.name()).add(movingVar);
        int[] axes = new int[shape.length];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i;
        }
        Operand<TInt32> ax = tf.constant(axes);
        Operand<TFloat32> mean = tf.math.mean(x, ax);
        Operand<TFloat32> variance = tf.math.mean(tf.math.squaredDifference(x, mean), ax);
        // trainable: false freezes a batch-norm layer in Keras: it then always normalises with the moving statistics
        Operand<TFloat32> training = l.trainable() ? m.training() : tf.constant(0f);
        Operand<TFloat32> notTraining = tf.math.sub(tf.constant(1f), training);
        Operand<TFloat32> mu = tf.math.add(tf.math.mul(training, mean), tf.math.mul(notTraining, movingMean.variable()));
        Operand<TFloat32> v = tf.math.add(tf.math.mul(training, variance), tf.math.mul(notTraining, movingVar.variable()));
        Operand<TFloat32> inv = tf.math.rsqrt(tf.math.add(v, tf.constant(eps)));
        if (gamma != null) {
            inv = tf.math.mul(inv, gamma.variable());
        }
        Operand<TFloat32> y = tf.math.mul(tf.math.sub(x, mu), inv);
        if (beta != null) {
            y = tf.math.add(y, beta.variable());
        }
        if (l.trainable()) {
            Operand<TFloat32> keep = tf.constant(momentum);
            Operand<TFloat32> rest = tf.constant(1 - momentum);
            m.trainingUpdates().add(tf.assign(movingMean.variable(), tf.math.add(tf.math.mul(movingMean.variable(), keep), tf.math.mul(tf.stopGradient(mean), rest))));
            m.trainingUpdates().add(tf.assign(movingVar.variable(), tf.math.add(tf.math.mul(movingVar.variable(), keep), tf.math.mul(tf.stopGradient(variance), rest))));
        }
        return y;
    }

    /** [kh, kw, C, M] depthwise kernel as the [kh, kw, C, C*M] full kernel with zeros off the block diagonal. */
    private static Operand<TFloat32> depthwiseAsFull(Ops tf, Operand<TFloat32> dw, int[] k, long c, int mult) {
        float[] eye = new float[(int) (c * c)];
        for (int i = 0; i < c; i++) {
            eye[(int) (i * c + i)] = 1f;
        }
        Operand<TFloat32> mask = tf.constant(org.tensorflow.ndarray.Shape.of(1, 1, c, c, 1), org.tensorflow.ndarray.buffer.DataBuffers.of(eye, true, false));
        Operand<TFloat32> blocks = tf.math.mul(tf.reshape(dw, tf.constant(new long[]{k[0], k[1], c, 1, mult})), mask);
        return tf.reshape(blocks, tf.constant(new long[]{k[0], k[1], c, c * mult}));
    }

    /** A kernel with d - 1 zeros between its taps (Conv2D's gradient in the C++ registry ignores the dilations attribute). */
    private static Operand<TFloat32> dilateKernel(Ops tf, Operand<TFloat32> kernel, long[] shape, int[] d) {
        if (d[0] == 1 && d[1] == 1) {
            return kernel;
        }
        // [kh, kw, i, o] -> [kh, 1, kw, 1, i, o] -> pad to [kh, d0, kw, d1, i, o] -> [kh*d0, kw*d1, i, o] -> crop the trailing zeros
        Operand<TFloat32> r = tf.reshape(kernel, tf.constant(new long[]{shape[0], 1, shape[1], 1, shape[2], shape[3]}));
        r = tf.pad(r, tf.constant(new int[][]{{0, 0}, {0, d[0] - 1}, {0, 0}, {0, d[1] - 1}, {0, 0}, {0, 0}}), tf.constant(0f));
        r = tf.reshape(r, tf.constant(new long[]{shape[0] * d[0], shape[1] * d[1], shape[2], shape[3]}));
        return tf.slice(r, tf.constant(new int[]{0, 0, 0, 0}),
                tf.constant(new int[]{(int) ((shape[0] - 1) * d[0] + 1), (int) ((shape[1] - 1) * d[1] + 1), (int) shape[2], (int) shape[3]}));
    }

    /** [N, H, W, C] with s - 1 zeros between pixels: [N, (H-1)s+1, (W-1)s+1, C]. */
    private static Operand<TFloat32> interleave(Ops tf, Operand<TFloat32> x, long[] shape, int[] s) {
        if (s[0] == 1 && s[1] == 1) {
            return x;
        }
        Operand<TFloat32> r = tf.reshape(x, tf.constant(new long[]{-1, shape[0], 1, shape[1], 1, shape[2]}));
        r = tf.pad(r, tf.constant(new int[][]{{0, 0}, {0, 0}, {0, s[0] - 1}, {0, 0}, {0, s[1] - 1}, {0, 0}}), tf.constant(0f));
        r = tf.reshape(r, tf.constant(new long[]{-1, shape[0] * s[0], shape[1] * s[1], shape[2]}));
        return tf.slice(r, tf.constant(new int[]{0, 0, 0, 0}),
                tf.constant(new int[]{-1, (int) ((shape[0] - 1) * s[0] + 1), (int) ((shape[1] - 1) * s[1] + 1), (int) shape[2]}));
    }
}
