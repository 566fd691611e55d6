package dev.preflight.data.service;

import dev.preflight.wire.SeededRandom;

import dev.preflight.data.model.Dataset;
import dev.preflight.wire.DType;

import java.util.List;

/**
 * The built-in synthetic dataset "shapes": 28x28x1 uint8 images of four classes (filled square, ring, filled
 * triangle, plus), each at a random position and size, with a random intensity and a little pixel noise.
 *
 * <p>It exists so the whole pipeline runs with no download: small enough to generate in milliseconds, yet the classes
 * differ in shape rather than in brightness or position, so a small MLP must learn something real to beat 25%.
 * Image i has class {@code i % 4} (exactly balanced for a multiple of 4) and is drawn from a generator seeded by
 * (seed, i) alone, so any sample can be regenerated bit for bit without generating the ones before it.
 */
public final class ShapesGenerator {

    public static final String NAME = "shapes";
    public static final String SEG_NAME = "shapes-seg";
    /** The paired (image-to-image) dataset: noisy shapes as inputs, the clean shapes as targets. */
    public static final String PAIRED_NAME = "shapes-paired";
    /** Class i's shape, as previews label it. */
    public static final List<String> CLASS_NAMES = List.of("square", "ring", "triangle", "plus");
    public static final int SIDE = 28;
    public static final int CLASSES = 4;
    static final int[] SHAPE = {SIDE, SIDE, 1};

    /** Pixel noise amplitude: enough that no two images are identical, far too little to hide a shape. */
    private static final int NOISE = 16;

    private ShapesGenerator() {
    }

    public static Dataset generate(long seed, int samples) {
        requireSamples(samples);
        int size = SIDE * SIDE;
        byte[] pixels = new byte[Math.multiplyExact(samples, size)];
        int[] labels = new int[samples];
        for (int i = 0; i < samples; i++) {
            labels[i] = i % CLASSES;
            draw(SeededRandom.derive(seed, SeededRandom.GENERATOR, i), labels[i], pixels, i * size, null);
        }
        return new Dataset(NAME, SHAPE, DType.UINT8, CLASSES, labels, pixels, null, CLASS_NAMES, List.of());
    }

    /**
     * "shapes-seg": the very images of {@link #generate} with the same (seed, samples), each with a mask of class
     * ids, 0 = background and 1 + the shape's class where the shape covers the pixel (before noise). Labels are 0, as
     * segmentation batches carry them; the classes are the mask's.
     */
    public static Dataset generateSegmentation(long seed, int samples) {
        requireSamples(samples);
        int size = SIDE * SIDE;
        byte[] pixels = new byte[Math.multiplyExact(samples, size)];
        byte[] masks = new byte[pixels.length];
        for (int i = 0; i < samples; i++) {
            draw(SeededRandom.derive(seed, SeededRandom.GENERATOR, i), i % CLASSES, pixels, i * size, masks);
        }
        return new Dataset(SEG_NAME, SHAPE, DType.UINT8, CLASSES + 1, new int[samples], pixels, masks,
                List.of("background", CLASS_NAMES.get(0), CLASS_NAMES.get(1), CLASS_NAMES.get(2), CLASS_NAMES.get(3)), List.of());
    }

    /**
     * "shapes-paired", the recipe's "simple distribution" for a generator: the shapes of {@link #generate} drawn clean
     * (the shape at its intensity on a black background, no noise) as targets, and as inputs the same picture with
     * strong uniform noise ({@link #PAIRED_NOISE} levels each way, clipped to 0..255). Denoising is learnable from the
     * input alone, and neither copying the input nor drawing the average target solves it: the identity output is off
     * by the noise, the mean target image by the shape's position and size. Sample i depends on (seed, i) alone.
     */
    public static Dataset generatePaired(long seed, int samples) {
        requireSamples(samples);
        int size = SIDE * SIDE;
        byte[] inputs = new byte[Math.multiplyExact(samples, size)];
        byte[] targets = new byte[inputs.length];
        byte[] covered = new byte[size];
        byte[] ignored = new byte[size];
        for (int i = 0; i < samples; i++) {
            SeededRandom rng = SeededRandom.derive(seed, SeededRandom.GENERATOR, i);
            int intensity = draw(rng, i % CLASSES, ignored, 0, covered);
            for (int p = 0; p < size; p++) {
                int clean = covered[p] != 0 ? intensity : 0;
                targets[i * size + p] = (byte) clean;
                inputs[i * size + p] = (byte) Math.max(0, Math.min(255, clean + rng.nextInt(-PAIRED_NOISE, PAIRED_NOISE + 1)));
            }
        }
        Dataset d = new Dataset(PAIRED_NAME, SHAPE, DType.UINT8, 1, new int[samples], inputs, null, List.of("pair"), List.of());
        return d.withTargets(dev.preflight.data.model.SampleBytes.inHeap(targets, size));
    }

    /** Input noise of "shapes-paired", in levels of 0..255: a fifth of the range, which hides no shape but every edge pixel's value. */
    static final int PAIRED_NOISE = 64;

    private static void requireSamples(int samples) {
        // Two per class, so every class can put one sample in train and one in val.
        if (samples < 2 * CLASSES) {
            throw new IllegalArgumentException("shapes needs at least " + 2 * CLASSES + " samples (two per class), got " + samples);
        }
    }

    /**
     * Draws one image; the generator is consumed identically with or without a mask, so both datasets agree.
     *
     * @return the shape's intensity (0..255)
     */
    private static int draw(SeededRandom rng, int cls, byte[] out, int offset, byte[] maskOut) {
        Mask mask = switch (cls) {
            case 0 -> square(rng);
            case 1 -> ring(rng);
            case 2 -> triangle(rng);
            case 3 -> plus(rng);
            default -> throw new IllegalArgumentException("no shape for class " + cls);
        };
        int intensity = rng.nextInt(140, 256);
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                boolean covered = mask.covers(x, y);
                int v = (covered ? intensity : 0) + rng.nextInt(-NOISE, NOISE + 1);
                if (maskOut != null) {
                    maskOut[offset + y * SIDE + x] = (byte) (covered ? cls + 1 : 0);
                }
                out[offset + y * SIDE + x] = (byte) Math.max(0, Math.min(255, v));
            }
        }
        return intensity;
    }

    @FunctionalInterface
    private interface Mask {
        boolean covers(int x, int y);
    }

    private static Mask square(SeededRandom rng) {
        int s = rng.nextInt(8, 17);
        int x0 = rng.nextInt(0, SIDE - s + 1);
        int y0 = rng.nextInt(0, SIDE - s + 1);
        return (x, y) -> x >= x0 && x < x0 + s && y >= y0 && y < y0 + s;
    }

    /**
     * An outline about two pixels wide: hollow, unlike every other class. Integer arithmetic only, because
     * {@code Math.hypot} may differ in the last bit between JVMs and that would flip edge pixels.
     */
    private static Mask ring(SeededRandom rng) {
        int r = rng.nextInt(5, 12);
        int cx = rng.nextInt(r + 1, SIDE - r - 1);
        int cy = rng.nextInt(r + 1, SIDE - r - 1);
        int inner = (r - 1) * (r - 1);
        int outer = (r + 1) * (r + 1);
        return (x, y) -> {
            int d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
            return d2 >= inner && d2 <= outer;
        };
    }

    /** Apex up, base as wide as it is tall. */
    private static Mask triangle(SeededRandom rng) {
        int h = rng.nextInt(10, 20);
        int half = h / 2;
        int cx = rng.nextInt(half, SIDE - half);
        int y0 = rng.nextInt(0, SIDE - h + 1);
        return (x, y) -> y >= y0 && y < y0 + h && Math.abs(x - cx) * h <= (y - y0 + 1) * half;
    }

    private static Mask plus(SeededRandom rng) {
        int half = rng.nextInt(4, 10);
        int t = rng.nextInt(2, 5);
        int cx = rng.nextInt(half, SIDE - half);
        int cy = rng.nextInt(half, SIDE - half);
        int lo = -(t / 2);
        int hi = lo + t;
        return (x, y) -> (Math.abs(x - cx) <= half && y - cy >= lo && y - cy < hi)
                || (Math.abs(y - cy) <= half && x - cx >= lo && x - cx < hi);
    }
}
