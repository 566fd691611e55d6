package dev.preflight.wire;

/**
 * SplitMix64 with every derived operation (bounded ints, doubles, shuffles) written out here. The JDK's generators
 * fix their raw sequence but not how {@code nextInt(bound)} or {@code nextDouble()} consume it, which has changed
 * between releases before; a split or a batch order must stay identical across JDK upgrades, so nothing about it is
 * left to the JDK. Not thread-safe: one instance per derivation.
 */
public final class SeededRandom {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    /** Purposes, mixed into derived seeds so that the split, subset and epoch orders of one seed are independent. */
    public static final long SPLIT = 0x53504C4954L;
    public static final long SUBSET = 0x5355425345L;
    public static final long EPOCH = 0x45504F4348L;
    public static final long VAL_SAMPLE = 0x56414C5341L;
    public static final long GENERATOR = 0x47454E4552L;
    public static final long AUGMENT = 0x4155474D45L;
    public static final long BALANCE = 0x42414C414EL;
    /** Fault drill: the label permutation of shuffleLabels. */
    public static final long SHUFFLE_LABELS = 0x5348554646L;
    public static final long PREVIEW = 0x5052455649L;

    private long state;

    public SeededRandom(long seed) {
        this.state = seed;
    }

    /** A generator whose sequence depends only on (seed, purpose, index). */
    public static SeededRandom derive(long seed, long purpose, long index) {
        return new SeededRandom(mix64(mix64(seed ^ mix64(purpose)) + index * GOLDEN_GAMMA));
    }

    /** Stafford's variant 13 finaliser, as in SplitMix64: a bijection that scatters nearby inputs. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix64(state);
    }

    /** Uniform in [0, bound), unbiased (Lemire's multiply-shift with rejection). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, was " + bound);
        }
        long m = (nextLong() >>> 32) * bound;
        long low = m & 0xFFFFFFFFL;
        if (low < bound) {
            long threshold = (0x1_0000_0000L - bound) % bound;
            while (low < threshold) {
                m = (nextLong() >>> 32) * bound;
                low = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }

    /** Uniform in [origin, bound). */
    public int nextInt(int origin, int bound) {
        return origin + nextInt(bound - origin);
    }

    /** Uniform in [0, 1), 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * Standard normal, Box-Muller with {@link StrictMath} (whose results are fixed by specification, unlike
     * {@link Math}'s intrinsics), so noise is the same bytes on every JVM. One value per call; the pair's second half
     * is dropped to keep the generator stateless beyond its seed.
     */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble(); // (0, 1]: log(0) would be -infinity
        double u2 = nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
    }

    /** Fisher-Yates, in place. */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
