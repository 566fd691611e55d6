package dev.preflight.data.service;

import dev.preflight.wire.SeededRandom;

import dev.preflight.data.model.Dataset;
import dev.preflight.wire.Augmentation;
import dev.preflight.wire.DType;

import java.nio.ByteBuffer;

/**
 * Applies an {@link Augmentation} to one sample (and its mask) in place. Package-private and only constructed by
 * {@link TrainBatches}: nothing on the val path can reach one.
 *
 * <p>Per sample the generator is always consumed in the same order (hflip, vflip, angle, dx, dy, contrast,
 * brightness, then noise), whichever augmentations are on, so switching one on never changes what the others draw.
 * Geometry is one inverse mapping per output pixel: flip, rotate about the centre, translate; the image is sampled
 * bilinearly, the mask by nearest neighbour (class ids must not blend), both with 0 outside. Photometric changes work
 * on [0, 1] values (uint8 / 255) and are clamped back; float32 data is changed in its own units and not clamped.
 */
final class Augmenter {

    private final Augmentation a;
    private final DType dtype;
    private final int h;
    private final int w;
    private final int c;
    private final int elements;

    Augmenter(Augmentation a, Dataset dataset) {
        if (a.geometric() && !dataset.isImage()) {
            throw new IllegalArgumentException("data.augment: flips, rotation and translation need image samples [h, w, c]; "
                    + dataset.name() + " has samples of shape " + java.util.Arrays.toString(dataset.sampleShape()));
        }
        this.a = a;
        this.dtype = dataset.dtype();
        int[] s = dataset.sampleShape();
        this.h = dataset.isImage() ? s[0] : 1;
        this.w = dataset.isImage() ? s[1] : 1;
        this.c = dataset.isImage() ? s[2] : 1;
        this.elements = dev.preflight.wire.Batch.sampleSize(s);
    }

    /** Augments the sample at {@code data[offset..]} and, if {@code masks} is not null, its mask at {@code maskOffset}. */
    void apply(SeededRandom rng, byte[] data, int offset, byte[] masks, int maskOffset) {
        boolean hflip = rng.nextInt(2) == 1 && a.hflipOn();
        boolean vflip = rng.nextInt(2) == 1 && a.vflipOn();
        double angle = (2 * rng.nextDouble() - 1) * a.rotation() * StrictMath.PI / 180;
        int t = a.translation();
        int dx = rng.nextInt(-t, t + 1);
        int dy = rng.nextInt(-t, t + 1);
        double contrast = 1 + (2 * rng.nextDouble() - 1) * a.contrastAmount();
        double brightness = (2 * rng.nextDouble() - 1) * a.brightnessAmount();

        float[] v = read(data, offset);
        if (hflip || vflip || angle != 0 || dx != 0 || dy != 0) {
            v = warp(v, hflip, vflip, angle, dx, dy);
            if (masks != null) {
                warpMask(masks, maskOffset, hflip, vflip, angle, dx, dy);
            }
        }
        if (contrast != 1) {
            double mean = 0;
            for (float x : v) {
                mean += x;
            }
            mean /= v.length;
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (mean + (v[i] - mean) * contrast);
            }
        }
        if (brightness != 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] + brightness);
            }
        }
        double std = a.noise();
        if (std > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] + std * rng.nextGaussian());
            }
        }
        write(v, data, offset);
    }

    private float[] read(byte[] data, int offset) {
        float[] v = new float[elements];
        if (dtype == DType.UINT8) {
            for (int i = 0; i < elements; i++) {
                v[i] = (data[offset + i] & 0xFF) / 255f;
            }
        } else {
            ByteBuffer.wrap(data, offset, elements * 4).asFloatBuffer().get(v);
        }
        return v;
    }

    private void write(float[] v, byte[] data, int offset) {
        if (dtype == DType.UINT8) {
            for (int i = 0; i < elements; i++) {
                data[offset + i] = (byte) Math.max(0, Math.min(255, Math.round(v[i] * 255f)));
            }
        } else {
            ByteBuffer.wrap(data, offset, elements * 4).asFloatBuffer().put(v);
        }
    }

    /** Where output pixel (x, y) comes from in the input, as {x, y}; rotation is about the image centre. */
    private double[] source(int x, int y, boolean hflip, boolean vflip, double cos, double sin, int dx, int dy) {
        double cx = (w - 1) / 2.0;
        double cy = (h - 1) / 2.0;
        // Inverse of: flip, then rotate by angle, then translate by (dx, dy).
        double ux = x - dx - cx;
        double uy = y - dy - cy;
        double rx = cos * ux + sin * uy;
        double ry = -sin * ux + cos * uy;
        return new double[]{(hflip ? -rx : rx) + cx, (vflip ? -ry : ry) + cy};
    }

    private float[] warp(float[] v, boolean hflip, boolean vflip, double angle, int dx, int dy) {
        double cos = StrictMath.cos(angle);
        double sin = StrictMath.sin(angle);
        float[] out = new float[v.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double[] s = source(x, y, hflip, vflip, cos, sin, dx, dy);
                int x0 = (int) Math.floor(s[0]);
                int y0 = (int) Math.floor(s[1]);
                double fx = s[0] - x0;
                double fy = s[1] - y0;
                for (int ch = 0; ch < c; ch++) {
                    double p = (1 - fx) * (1 - fy) * at(v, x0, y0, ch) + fx * (1 - fy) * at(v, x0 + 1, y0, ch)
                            + (1 - fx) * fy * at(v, x0, y0 + 1, ch) + fx * fy * at(v, x0 + 1, y0 + 1, ch);
                    out[(y * w + x) * c + ch] = (float) p;
                }
            }
        }
        return out;
    }

    private float at(float[] v, int x, int y, int ch) {
        return x < 0 || y < 0 || x >= w || y >= h ? 0f : v[(y * w + x) * c + ch];
    }

    private void warpMask(byte[] masks, int offset, boolean hflip, boolean vflip, double angle, int dx, int dy) {
        double cos = StrictMath.cos(angle);
        double sin = StrictMath.sin(angle);
        byte[] out = new byte[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double[] s = source(x, y, hflip, vflip, cos, sin, dx, dy);
                int sx = (int) Math.floor(s[0] + 0.5);
                int sy = (int) Math.floor(s[1] + 0.5);
                out[y * w + x] = sx < 0 || sy < 0 || sx >= w || sy >= h ? 0 : masks[offset + sy * w + sx];
            }
        }
        System.arraycopy(out, 0, masks, offset, out.length);
    }
}
