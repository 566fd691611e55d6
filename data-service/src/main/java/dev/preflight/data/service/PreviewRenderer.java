package dev.preflight.data.service;

import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Draws a batch as a PNG, exactly as the trainer receives it: image tiles from the batch's own bytes (uint8 as is;
 * float32 images min-max mapped to 0..255 over the batch), each labelled with its class name, segmentation masks in a
 * fixed palette beside their image, tabular batches as a scatter plot of the two features with the most distinct values, axes named. Headless AWT.
 */
public final class PreviewRenderer {

    static {
        System.setProperty("java.awt.headless", "true");
        ImageIO.setUseCache(false);
    }

    /** Tiles are enlarged to at least this many pixels so a 28x28 digit is readable on a screen. */
    private static final int MIN_TILE = 84;
    private static final int LABEL_HEIGHT = 16;
    private static final int GAP = 4;
    private static final int MAX_COLUMNS = 16;
    /** Distinct colours for classes 0..15; class ids beyond repeat them. Background (0) is black. */
    private static final int[] PALETTE = {0x000000, 0xE6194B, 0x3CB44B, 0xFFE119, 0x4363D8, 0xF58231, 0x911EB4, 0x46F0F0,
            0xF032E6, 0xBCF60C, 0xFABEBE, 0x008080, 0xE6BEFF, 0x9A6324, 0xFFFAC8, 0x800000};

    private PreviewRenderer() {
    }

    /** @throws IllegalArgumentException for samples that are neither images nor at least 2-D feature vectors */
    public static byte[] png(Batch batch, List<String> classNames, String title) {
        return png(batch, classNames, title, null);
    }

    /**
     * @param featureNames tabular only (else null): names for the scatter plot's axes
     * @throws IllegalArgumentException for samples that are neither images nor at least 2-D feature vectors
     */
    public static byte[] png(Batch batch, List<String> classNames, String title, List<String> featureNames) {
        int[] shape = batch.sampleShape();
        BufferedImage img;
        if (shape.length == 3 && (shape[2] == 1 || shape[2] == 3)) {
            img = grid(batch, classNames, title);
        } else if (shape.length == 1 && shape[0] >= 2) {
            img = scatter(batch, classNames, title, featureNames);
        } else {
            throw new IllegalArgumentException("no preview for samples of shape " + java.util.Arrays.toString(shape));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the preview PNG", e);
        }
        return out.toByteArray();
    }

    /** A paired batch's target pixel at value offset {@code p} (its [0, 1] values back to 0..255) as RGB. */
    private static int target(Batch b, int p, int c) {
        int[] v = new int[3];
        for (int ch = 0; ch < 3; ch++) {
            v[ch] = Math.max(0, Math.min(255, Math.round(b.targets()[p + (c == 1 ? 0 : ch)] * 255f)));
        }
        return v[0] << 16 | v[1] << 8 | v[2];
    }

    private static Font font() {
        return new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    }

    private static BufferedImage grid(Batch b, List<String> names, String title) {
        int[] s = b.sampleShape();
        int h = s[0];
        int w = s[1];
        int c = s[2];
        int scale = Math.max(1, (MIN_TILE + Math.max(h, w) - 1) / Math.max(h, w));
        boolean seg = b.masks() != null;
        // Paired (image-to-image) data: each input with its target beside it, as segmentation shows its mask.
        boolean pair = b.targets() != null && b.targetDim() == h * w * c;
        boolean twin = seg || pair;
        int tileW = w * scale * (twin ? 2 : 1) + (twin ? GAP : 0);
        int tileH = h * scale + LABEL_HEIGHT;
        int n = b.size();
        int cols = Math.min(n, Math.min(MAX_COLUMNS, (int) Math.ceil(Math.sqrt(n))));
        int rows = (n + cols - 1) / cols;
        int width = Math.max(cols * (tileW + GAP) + GAP, 240);
        int height = rows * (tileH + GAP) + GAP + LABEL_HEIGHT + 4;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(new Color(0x303030));
        g.fillRect(0, 0, width, height);
        g.setFont(font());
        g.setColor(Color.WHITE);
        g.drawString(title, GAP, LABEL_HEIGHT - 3);
        float[] lo = {0};
        float[] range = {1};
        float[] values = b.dtype() == DType.FLOAT32 ? floats(b, lo, range) : null;
        int sample = h * w * c;
        for (int j = 0; j < n; j++) {
            int x0 = GAP + (j % cols) * (tileW + GAP);
            int y0 = LABEL_HEIGHT + 4 + (j / cols) * (tileH + GAP);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int p = j * sample + (y * w + x) * c;
                    int rgb;
                    if (c == 1) {
                        int v = pixel(b, values, p, lo[0], range[0]);
                        rgb = v << 16 | v << 8 | v;
                    } else {
                        rgb = pixel(b, values, p, lo[0], range[0]) << 16 | pixel(b, values, p + 1, lo[0], range[0]) << 8
                                | pixel(b, values, p + 2, lo[0], range[0]);
                    }
                    g.setColor(new Color(rgb));
                    g.fillRect(x0 + x * scale, y0 + y * scale, scale, scale);
                    if (seg) {
                        g.setColor(new Color(PALETTE[(b.masks()[j * h * w + y * w + x] & 0xFF) % PALETTE.length]));
                        g.fillRect(x0 + w * scale + GAP + x * scale, y0 + y * scale, scale, scale);
                    } else if (pair) {
                        g.setColor(new Color(target(b, p, c)));
                        g.fillRect(x0 + w * scale + GAP + x * scale, y0 + y * scale, scale, scale);
                    }
                }
            }
            g.setColor(Color.WHITE);
            String label = seg ? maskClasses(b.masks(), j * h * w, h * w, b.numClasses(), names)
                    : pair ? "input | target" : name(names, b.labels()[j]);
            g.drawString(clip(label, tileW, g), x0, y0 + h * scale + LABEL_HEIGHT - 4);
        }
        g.dispose();
        return out;
    }

    private static int pixel(Batch b, float[] values, int p, float lo, float range) {
        if (values == null) {
            return b.data()[p] & 0xFF;
        }
        return Math.max(0, Math.min(255, Math.round((values[p] - lo) / range * 255f)));
    }

    private static float[] floats(Batch b, float[] lo, float[] range) {
        float[] v = new float[b.data().length / 4];
        ByteBuffer.wrap(b.data()).asFloatBuffer().get(v);
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        lo[0] = min;
        range[0] = max > min ? max - min : 1;
        return v;
    }

    /**
     * The two features with the most distinct values in the batch (ties: the first): a one-hot column has two values
     * and would pile every sample onto a corner, a measurement spreads them out.
     */
    static int[] axes(float[] v, int dim, int samples) {
        int[] distinct = new int[dim];
        for (int f = 0; f < dim; f++) {
            java.util.Set<Float> seen = new java.util.HashSet<>();
            for (int j = 0; j < samples; j++) {
                seen.add(v[j * dim + f]);
            }
            distinct[f] = seen.size();
        }
        int x = 0;
        for (int f = 1; f < dim; f++) {
            if (distinct[f] > distinct[x]) {
                x = f;
            }
        }
        int y = x == 0 ? 1 : 0;
        for (int f = 0; f < dim; f++) {
            if (f != x && distinct[f] > distinct[y]) {
                y = f;
            }
        }
        return new int[]{Math.min(x, y), Math.max(x, y)};
    }

    private static BufferedImage scatter(Batch b, List<String> names, String title, List<String> featureNames) {
        int size = 400;
        int legend = 110;
        BufferedImage out = new BufferedImage(size + legend, size + LABEL_HEIGHT + 4, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(new Color(0x303030));
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setFont(font());
        g.setColor(Color.WHITE);
        g.drawString(title, GAP, LABEL_HEIGHT - 3);
        int dim = b.sampleShape()[0];
        float[] v;
        if (b.dtype() == DType.FLOAT32) {
            v = new float[b.data().length / 4];
            ByteBuffer.wrap(b.data()).asFloatBuffer().get(v);
        } else {
            v = new float[b.data().length];
            for (int i = 0; i < v.length; i++) {
                v[i] = b.data()[i] & 0xFF;
            }
        }
        int[] axes = axes(v, dim, b.size());
        int fx = axes[0];
        int fy = axes[1];
        float minX = Float.POSITIVE_INFINITY, maxX = Float.NEGATIVE_INFINITY, minY = Float.POSITIVE_INFINITY, maxY = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < b.size(); j++) {
            minX = Math.min(minX, v[j * dim + fx]);
            maxX = Math.max(maxX, v[j * dim + fx]);
            minY = Math.min(minY, v[j * dim + fy]);
            maxY = Math.max(maxY, v[j * dim + fy]);
        }
        float rx = maxX > minX ? maxX - minX : 1;
        float ry = maxY > minY ? maxY - minY : 1;
        int top = LABEL_HEIGHT + 4;
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1));
        g.drawRect(10, top, size - 20, size - 20);
        for (int j = 0; j < b.size(); j++) {
            int px = 10 + Math.round((v[j * dim + fx] - minX) / rx * (size - 30)) + 5;
            int py = top + (size - 20) - Math.round((v[j * dim + fy] - minY) / ry * (size - 30)) - 5;
            g.setColor(new Color(PALETTE[1 + b.labels()[j] % (PALETTE.length - 1)]));
            g.fillOval(px - 3, py - 3, 6, 6);
        }
        g.setColor(Color.LIGHT_GRAY);
        g.drawString(clip("x: " + axisName(featureNames, fx) + "   y: " + axisName(featureNames, fy), size - 30, g), 14, top + size - 26);
        for (int c = 0; c < Math.min(b.numClasses(), 24); c++) {
            g.setColor(new Color(PALETTE[1 + c % (PALETTE.length - 1)]));
            g.fillOval(size + 4, top + 6 + c * 16, 8, 8);
            g.setColor(Color.WHITE);
            g.drawString(clip(name(names, c), legend - 20, g), size + 16, top + 14 + c * 16);
        }
        g.dispose();
        return out;
    }

    private static String axisName(List<String> featureNames, int f) {
        return featureNames != null && f < featureNames.size() ? featureNames.get(f) : "feature " + f;
    }

    /** The classes a mask contains other than class 0 (background by convention), e.g. "square+ring". */
    private static String maskClasses(byte[] masks, int offset, int length, int numClasses, List<String> names) {
        boolean[] present = new boolean[numClasses];
        for (int p = offset; p < offset + length; p++) {
            present[masks[p] & 0xFF] = true;
        }
        StringBuilder sb = new StringBuilder();
        for (int c = 1; c < numClasses; c++) {
            if (present[c]) {
                sb.append(sb.length() == 0 ? "" : "+").append(name(names, c));
            }
        }
        return sb.length() == 0 ? name(names, 0) : sb.toString();
    }

    private static String name(List<String> names, int c) {
        return names != null && c < names.size() ? names.get(c) : String.valueOf(c);
    }

    private static String clip(String s, int width, Graphics2D g) {
        String t = s;
        while (t.length() > 1 && g.getFontMetrics().stringWidth(t) > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }
}
