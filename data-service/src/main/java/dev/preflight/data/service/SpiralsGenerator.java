package dev.preflight.data.service;

import dev.preflight.wire.SeededRandom;

import dev.preflight.data.model.Dataset;
import dev.preflight.wire.DType;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in tabular dataset "spirals": 2-D float32 points on {@code classes} interleaved spiral arms (the classic
 * CS231n toy problem). Not linearly separable, so a linear model plateaus well above zero loss while a small MLP
 * fits it: a quick check that hidden layers do something. Point i has class {@code i % classes}; its radius t is
 * uniform in [0, 1), its angle {@code 2 pi class / classes + 4 t} plus Gaussian jitter of 0.2 rad. All trigonometry
 * via {@link StrictMath}, so the points are the same bits on every JVM.
 */
public final class SpiralsGenerator {

    public static final String NAME = "spirals";

    private SpiralsGenerator() {
    }

    public static Dataset generate(long seed, int samples, int classes) {
        if (classes < 2 || classes > 16) {
            throw new IllegalArgumentException("spirals needs 2..16 classes, got " + classes);
        }
        if (samples < 2 * classes) {
            throw new IllegalArgumentException("spirals needs at least " + 2 * classes + " samples (two per class), got " + samples);
        }
        ByteBuffer data = ByteBuffer.allocate(samples * 2 * 4);
        int[] labels = new int[samples];
        for (int i = 0; i < samples; i++) {
            SeededRandom rng = SeededRandom.derive(seed, SeededRandom.GENERATOR, i);
            int c = i % classes;
            double t = rng.nextDouble();
            double angle = 2 * StrictMath.PI * c / classes + 4 * t + 0.2 * rng.nextGaussian();
            labels[i] = c;
            data.putFloat((float) (t * StrictMath.sin(angle)));
            data.putFloat((float) (t * StrictMath.cos(angle)));
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("arm " + c);
        }
        return new Dataset(NAME, new int[]{2}, DType.FLOAT32, classes, labels, data.array(), null, names, List.of());
    }
}
