package dev.preflight.recipe;

import dev.preflight.wire.Batch;
import dev.preflight.wire.ValStep;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The generator's outputs next to what they are judged against, on the run's fixed val batch (Karpathy: "visualize
 * prediction dynamics on a fixed test batch"): one row per sample, columns input | output at the first fixed-batch
 * step | output at the last | target, each image scaled up, values in [0, 1] drawn as 0..255 (clipped). A PNG, as the
 * report's other previews.
 */
final class SideBySide {

    /** Rows drawn: enough to see what the generator does, small enough for the report. */
    static final int MAX_ROWS = 8;
    private static final int GAP = 4;

    private SideBySide() {
    }

    /**
     * @param fixed the fixed val batch as the eval-service fetched it (inputs uint8, targets h*w*c floats)
     * @param steps the run's val points that carry fixed-batch outputs, in step order (at least one)
     * @return the PNG, or null when the steps' targets are not the batch's (another batch: nothing honest to draw)
     */
    static byte[] png(Batch fixed, List<ValStep> steps) {
        ValStep last = steps.get(steps.size() - 1);
        return png(fixed, last.fixedBatchTargets(), List.of(steps.get(0).fixedBatchOutputs(), last.fixedBatchOutputs()));
    }

    /**
     * Columns input | each of {@code outputs} | target, one row per sample of the fixed val batch.
     *
     * @param fixed   the fixed val batch as the eval-service fetched it (inputs uint8, targets h*w*c floats)
     * @param truth   the targets the outputs were recorded with (a ValStep's {@code fixedBatchTargets})
     * @param outputs fixed-batch outputs (count x h*w*c, null elements for non-finite values), one column each
     * @return the PNG, or null when {@code truth} is not the batch's targets (another batch: nothing honest to draw)
     */
    static byte[] png(Batch fixed, Double[] truth, List<Double[]> outputs) {
        int[] s = fixed.sampleShape();
        int h = s[0];
        int w = s[1];
        int c = s[2];
        int dim = h * w * c;
        if (fixed.targets() == null || truth == null || truth.length != fixed.targets().length) {
            return null;
        }
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] == null || Math.abs(truth[i] - fixed.targets()[i]) > 1e-6) {
                return null;
            }
        }
        int rows = Math.min(MAX_ROWS, fixed.size());
        int scale = Math.max(1, 64 / Math.max(h, w));
        int tileW = w * scale;
        int tileH = h * scale;
        int columns = outputs.size() + 2;
        BufferedImage img = new BufferedImage(columns * tileW + (columns + 1) * GAP, rows * tileH + (rows + 1) * GAP, BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < rows; r++) {
            int y0 = GAP + r * (tileH + GAP);
            float[] input = new float[dim];
            for (int k = 0; k < dim; k++) {
                input[k] = (fixed.data()[r * dim + k] & 0xFF) / 255f;
            }
            draw(img, GAP, y0, input, 0, h, w, c, scale);
            for (int o = 0; o < outputs.size(); o++) {
                draw(img, (o + 2) * GAP + (o + 1) * tileW, y0, floats(outputs.get(o)), r * dim, h, w, c, scale);
            }
            draw(img, columns * GAP + (columns - 1) * tileW, y0, fixed.targets(), r * dim, h, w, c, scale);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the side-by-side PNG", e);
        }
        return out.toByteArray();
    }

    private static float[] floats(Double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] == null ? 0f : values[i].floatValue();
        }
        return out;
    }

    private static void draw(BufferedImage img, int x0, int y0, float[] values, int offset, int h, int w, int c, int scale) {
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = offset + (y * w + x) * c;
                int rgb = 0;
                for (int ch = 0; ch < 3; ch++) {
                    float v = values[p + (c == 1 ? 0 : ch)];
                    rgb = rgb << 8 | Math.max(0, Math.min(255, Math.round(v * 255f)));
                }
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        img.setRGB(x0 + x * scale + dx, y0 + y * scale + dy, rgb);
                    }
                }
            }
        }
    }
}
