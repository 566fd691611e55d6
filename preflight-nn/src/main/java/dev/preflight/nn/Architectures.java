package dev.preflight.nn;

import dev.preflight.wire.ModelConfig;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

import java.util.List;

/**
 * The model zoo: small architectures, as the recipe asks ("start simple -> use a small architecture (less than 1 mio
 * params). In vision, ENet or a crippled ResNet-18 (only the first blocks) is a good choice"). Each builds its
 * layers with {@link Layers} (nothing else of the model under construction) and returns the head: logits [N, C], per-pixel logits [N, H, W, C], or outputs [N, D].
 */
final class Architectures {

    /** Builds layers from the flattened input and returns the head. */
    interface Architecture {
        Operand<TFloat32> build(Layers m, ModelConfig config, int[] shape, int outputs);

        /**
         * The architecture to build once more on the same variables (a data-parallel tower). A zoo architecture is a
         * pure function: itself; one that records what it built (a Keras import) returns a fresh copy, so the model's
         * own record keeps one entry per variable.
         */
        default Architecture replica() {
            return this;
        }
    }

    private Architectures() {
    }

    static Architecture of(ModelConfig.Type type) {
        if (type == null) {
            throw new IllegalArgumentException("the model type is required, one of " + ModelConfig.TYPES);
        }
        return switch (type) {
            case MLP -> Architectures::mlp;
            case CNN -> Architectures::cnn;
            case RESNET -> Architectures::resnet;
            case SEGNET -> Architectures::segnet;
            case GENERATOR -> Architectures::generator;
            case KERAS -> throw new IllegalArgumentException("a keras model is built from its definition (Models.create)");
        };
    }

    /** Fully connected ReLU layers on the flattened input. */
    static Operand<TFloat32> mlp(Layers m, ModelConfig c, int[] shape, int outputs) {
        long width = flat(shape);
        return denseStack(m, c, m.input(), width, c.hiddenOrDefault(), outputs);
    }

    /** Small CNN: per width a 3x3 conv (+ batch norm), ReLU and 2x2 max-pool; then a dense head. */
    static Operand<TFloat32> cnn(Layers m, ModelConfig c, int[] shape, int outputs) {
        Image img = image(m, shape);
        Operand<TFloat32> x = img.x();
        long in = img.channels();
        int h = img.height();
        int w = img.width();
        List<Integer> channels = c.channelsOrDefault();
        for (int i = 0; i < channels.size(); i++) {
            x = m.conv("conv_" + i, x, 3, in, channels.get(i), 1, c.batchNormOrDefault(), true, false);
            x = m.maxPool2(x);
            in = channels.get(i);
            h = (h + 1) / 2;
            w = (w + 1) / 2;
        }
        long width = (long) h * w * in;
        x = m.tf().reshape(x, m.tf().constant(new long[]{-1, width}));
        return denseStack(m, c, x, width, c.hiddenOrDefault(), outputs);
    }

    /**
     * A "crippled ResNet-18": its stem (3x3 conv, batch norm if on, ReLU, 2x2 max-pool — the 7x7/stride-2 stem is for
     * 224 px images) and its first stage of basic residual blocks, then global average pooling and a linear head.
     */
    static Operand<TFloat32> resnet(Layers m, ModelConfig c, int[] shape, int outputs) {
        Image img = image(m, shape);
        long width = c.channelsOrDefault().get(0);
        boolean bn = c.batchNormOrDefault();
        Operand<TFloat32> x = m.conv("stem", img.x(), 3, img.channels(), width, 1, bn, true, false);
        x = m.maxPool2(x);
        for (int b = 0; b < c.blocksOrDefault(); b++) {
            Operand<TFloat32> y = m.conv("block_" + b + "/conv_a", x, 3, width, width, 1, bn, true, false);
            y = m.conv("block_" + b + "/conv_b", y, 3, width, width, 1, bn, false, false);
            x = m.tf().nn.relu(m.tf().math.add(x, y));
        }
        x = m.tf().math.mean(x, m.tf().constant(new int[]{1, 2}));
        x = m.dropout(x, c.dropoutOrDefault());
        return m.dense("logits_dense", x, width, outputs, false, true);
    }

    /**
     * Tiny encoder-decoder (ENet/LinkNet in spirit): conv + pool per width down, nearest-neighbour upsampling + conv
     * back up with the encoder's features of the same resolution added (skips: pooling alone loses the per-pixel
     * detail a segmentation must reproduce), then a 1x1 conv to per-pixel class logits at full resolution.
     */
    static Operand<TFloat32> segnet(Layers m, ModelConfig c, int[] shape, int outputs) {
        Image img = image(m, shape);
        List<Integer> channels = c.channelsOrDefault();
        int factor = 1 << channels.size();
        if (img.height() % factor != 0 || img.width() % factor != 0) {
            throw new IllegalArgumentException("segnet with " + channels.size() + " levels needs height and width divisible by "
                    + factor + ", got " + img.height() + "x" + img.width());
        }
        boolean bn = c.batchNormOrDefault();
        Operand<TFloat32> x = img.x();
        long in = img.channels();
        int h = img.height();
        int w = img.width();
        List<Operand<TFloat32>> skips = new java.util.ArrayList<>();
        for (int i = 0; i < channels.size(); i++) {
            x = m.conv("enc_" + i, x, 3, in, channels.get(i), 1, bn, true, false);
            skips.add(x);
            x = m.maxPool2(x);
            in = channels.get(i);
            h /= 2;
            w /= 2;
        }
        for (int i = channels.size() - 1; i >= 0; i--) {
            h *= 2;
            w *= 2;
            x = m.upsample2(x, h, w);
            x = m.conv("dec_" + i, x, 3, in, channels.get(i), 1, bn, true, false);
            x = m.tf().math.add(x, skips.get(i));
            in = channels.get(i);
        }
        return m.conv("logits_conv", x, 1, in, outputs, 1, false, false, true);
    }

    /**
     * Encoder-decoder generator for paired image-to-image data (the recipe's "do a simple L1 regression first"): a
     * 3x3 stem at full resolution to {@code channels[0]}, then per further width a 3x3 stride-2 convolution down; back
     * up, per level, nearest-neighbour resizing by 2 and a 3x3 convolution (resize-conv: no checkerboard artefacts
     * of transposed convolutions) with the encoder's features of that resolution added (a U-Net-style skip: the output
     * must keep the input's per-pixel detail); then a linear 1x1 convolution to the input's channels. Linear, not a
     * sigmoid: L1's gradient keeps its size all the way to the target, so on mostly black targets it drives a sigmoid's
     * input to minus infinity and the output saturates at the median, 0, where no gradient is left (measured: a
     * sigmoid generator stalled at exactly the all-black L1 at every learning rate from 1e-3 to 1e-2; the linear one
     * learns). Returns [N, H * W * C], the regression head's layout.
     *
     * @param outputs the targets' width, which must be H * W * C of the input
     * @throws IllegalArgumentException when the targets are not an image of the input's shape, or height and width
     *                                  are not divisible by 2^(levels - 1)
     */
    static Operand<TFloat32> generator(Layers m, ModelConfig c, int[] shape, int outputs) {
        Image img = image(m, shape);
        long pixels = (long) img.height() * img.width() * img.channels();
        if (outputs != pixels) {
            throw new IllegalArgumentException("generator outputs an image of the input's shape " + img.height() + "x" + img.width()
                    + "x" + img.channels() + " (" + pixels + " values), the targets have " + outputs + " values per sample");
        }
        List<Integer> channels = c.channelsOrDefault();
        int factor = 1 << (channels.size() - 1);
        if (img.height() % factor != 0 || img.width() % factor != 0) {
            throw new IllegalArgumentException("generator with " + channels.size() + " widths needs height and width divisible by "
                    + factor + ", got " + img.height() + "x" + img.width());
        }
        boolean bn = c.batchNormOrDefault();
        Operand<TFloat32> x = m.conv("stem", img.x(), 3, img.channels(), channels.get(0), 1, bn, true, false);
        List<Operand<TFloat32>> skips = new java.util.ArrayList<>();
        int h = img.height();
        int w = img.width();
        for (int i = 1; i < channels.size(); i++) {
            skips.add(x);
            x = m.conv("enc_" + i, x, 3, channels.get(i - 1), channels.get(i), 2, bn, true, false);
            h /= 2;
            w /= 2;
        }
        for (int i = channels.size() - 1; i >= 1; i--) {
            h *= 2;
            w *= 2;
            x = m.upsample2(x, h, w);
            x = m.conv("dec_" + i, x, 3, channels.get(i), channels.get(i - 1), 1, bn, true, false);
            x = m.tf().math.add(x, skips.get(i - 1));
        }
        x = m.conv("output_conv", x, 1, channels.get(0), img.channels(), 1, false, false, true);
        return m.tf().reshape(x, m.tf().constant(new long[]{-1, pixels}));
    }

    private static Operand<TFloat32> denseStack(Layers m, ModelConfig c, Operand<TFloat32> x, long width, List<Integer> hidden, int outputs) {
        for (int i = 0; i < hidden.size(); i++) {
            x = m.dropout(x, c.dropoutOrDefault());
            x = m.dense("dense_" + i, x, width, hidden.get(i), true, false);
            width = hidden.get(i);
        }
        x = m.dropout(x, c.dropoutOrDefault());
        return m.dense("logits_dense", x, width, outputs, false, true);
    }

    private record Image(Operand<TFloat32> x, int height, int width, long channels) {
    }

    private static Image image(Layers m, int[] shape) {
        if (shape.length != 3) {
            throw new IllegalArgumentException("conv models need image samples [height, width, channels], got rank " + shape.length);
        }
        Operand<TFloat32> x = m.tf().reshape(m.input(), m.tf().constant(new long[]{-1, shape[0], shape[1], shape[2]}));
        return new Image(x, shape[0], shape[1], shape[2]);
    }

    private static long flat(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }
}
