package dev.preflight.data.load;

/**
 * The one image resize of the data-service: what loaders use to bring files to a dataset's shape and what a run's
 * {@code resolution} uses to bring stored samples to the run's size, so both filter alike.
 */
public final class Resampling {

    private Resampling() {
    }

    /**
     * Separable resize of an h x w x c image: along each axis, area averaging when shrinking (every source pixel
     * contributes by its overlap, so thin strokes do not vanish as they would with point sampling) and bilinear
     * interpolation with half-pixel centres when enlarging.
     *
     * @param src row-major {@code sh x sw x c} values
     * @return row-major {@code th x tw x c} values, in the units of {@code src}
     */
    public static float[] resample(float[] src, int sh, int sw, int c, int th, int tw) {
        float[] rows = new float[sh * tw * c];
        for (int y = 0; y < sh; y++) {
            axis(src, (y * sw) * c, c, sw, rows, (y * tw) * c, c, tw, c);
        }
        float[] out = new float[th * tw * c];
        for (int x = 0; x < tw; x++) {
            axis(rows, x * c, tw * c, sh, out, x * c, tw * c, th, c);
        }
        return out;
    }

    /** One axis: n source samples at stride {@code ss} to m target samples at stride {@code ds}, c channels. */
    private static void axis(float[] s, int so, int ss, int n, float[] d, int dof, int ds, int m, int c) {
        if (m == n) {
            for (int i = 0; i < n; i++) {
                System.arraycopy(s, so + i * ss, d, dof + i * ds, c);
            }
        } else if (m < n) {
            double scale = (double) n / m;
            for (int j = 0; j < m; j++) {
                double lo = j * scale;
                double hi = lo + scale;
                for (int ch = 0; ch < c; ch++) {
                    double sum = 0;
                    for (int i = (int) lo; i < Math.min(n, (int) Math.ceil(hi)); i++) {
                        double overlap = Math.min(hi, i + 1) - Math.max(lo, i);
                        sum += overlap * s[so + i * ss + ch];
                    }
                    d[dof + j * ds + ch] = (float) (sum / scale);
                }
            }
        } else {
            double scale = (double) n / m;
            for (int j = 0; j < m; j++) {
                double pos = Math.max(0, Math.min(n - 1, (j + 0.5) * scale - 0.5));
                int i0 = (int) pos;
                int i1 = Math.min(n - 1, i0 + 1);
                double t = pos - i0;
                for (int ch = 0; ch < c; ch++) {
                    d[dof + j * ds + ch] = (float) ((1 - t) * s[so + i0 * ss + ch] + t * s[so + i1 * ss + ch]);
                }
            }
        }
    }

}
