package dev.preflight.wire;

import java.util.Arrays;

/**
 * Which val samples a validation draws: the contract between the eval-service (which picks a sample seed per
 * snapshot) and the data-service (which turns a seed into sample indices). It lives here, in one place, because both
 * sides must agree bit for bit: a report that quotes "the fixed val batch" and a test that recomputes it rely on it.
 *
 * <p>Recipe: "a random val batch every iteration" — a different batch per step, yet the same one for the same run and
 * step, so a rerun validates on identical samples.
 */
public final class ValSampling {

    private ValSampling() {
    }

    /** The sample seed of the val batch for snapshot {@code step} of a run whose data seed is {@code runSeed}. */
    public static long sampleSeed(long runSeed, int step) {
        long z = runSeed * 0x9E3779B97F4A7C15L + step;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }

    /**
     * The fixed val batch's sample seed: a function of the run's data seed only. It is {@link #sampleSeed} of step
     * -1, which no snapshot has, and that mix is a bijection, so it never equals a per-step seed of the same run.
     */
    public static long fixedSampleSeed(long runSeed) {
        return sampleSeed(runSeed, -1);
    }

    /**
     * {@code size} distinct entries of {@code pool} (all of them if it has fewer), chosen by a generator seeded with
     * {@code sampleSeed}: a partial Fisher-Yates shuffle, so the same seed always picks the same samples in the same
     * order.
     *
     * @param pool       sample indices to draw from (the val split); not modified
     * @param sampleSeed from {@link #sampleSeed} or {@link #fixedSampleSeed}
     * @param size       how many to draw, at least 1
     * @return {@code min(size, pool.length)} indices
     * @throws IllegalArgumentException if {@code size < 1}
     */
    public static int[] indices(int[] pool, long sampleSeed, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be >= 1, was " + size);
        }
        int[] p = pool.clone();
        int k = Math.min(size, p.length);
        SeededRandom rng = SeededRandom.derive(sampleSeed, SeededRandom.VAL_SAMPLE, 0);
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(p.length - i);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return Arrays.copyOf(p, k);
    }
}
