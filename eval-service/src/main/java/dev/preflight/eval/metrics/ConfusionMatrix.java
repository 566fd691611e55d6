package dev.preflight.eval.metrics;

/**
 * Counts of (true class, predicted class) pairs: {@code counts[t][p]}, rows = true class, columns = predicted class.
 * Classification counts samples, segmentation counts pixels; both derive their metrics from it, so the numbers a
 * ValStep carries are always consistent with the matrix it carries.
 */
public final class ConfusionMatrix {

    private final int[][] counts;
    private final long total;

    private ConfusionMatrix(int[][] counts, long total) {
        this.counts = counts;
        this.total = total;
    }

    /**
     * @param truth     true class per item, in [0, numClasses)
     * @param predicted predicted class per item, same length, in [0, numClasses)
     * @throws IllegalArgumentException on a length mismatch or a class outside [0, numClasses): a model or batch
     *                                  that disagrees about the class count is a bug to surface, not to count
     */
    public static ConfusionMatrix of(int[] truth, int[] predicted, int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, was " + numClasses);
        }
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException(truth.length + " true classes but " + predicted.length + " predictions");
        }
        int[][] counts = new int[numClasses][numClasses];
        for (int i = 0; i < truth.length; i++) {
            int t = truth[i];
            int p = predicted[i];
            if (t < 0 || t >= numClasses || p < 0 || p >= numClasses) {
                throw new IllegalArgumentException("item " + i + ": true class " + t + ", predicted " + p
                        + ", expected both in [0, " + numClasses + ")");
            }
            counts[t][p]++;
        }
        return new ConfusionMatrix(counts, truth.length);
    }

    public int numClasses() {
        return counts.length;
    }

    public long total() {
        return total;
    }

    public long truePositives(int c) {
        return counts[c][c];
    }

    /** Items of another class predicted as {@code c}. */
    public long falsePositives(int c) {
        long n = 0;
        for (int t = 0; t < counts.length; t++) {
            if (t != c) {
                n += counts[t][c];
            }
        }
        return n;
    }

    /** Items of class {@code c} predicted as another class. */
    public long falseNegatives(int c) {
        long n = 0;
        for (int p = 0; p < counts.length; p++) {
            if (p != c) {
                n += counts[c][p];
            }
        }
        return n;
    }

    /** True if class {@code c} occurs among the true classes or the predictions. */
    public boolean present(int c) {
        return truePositives(c) + falsePositives(c) + falseNegatives(c) > 0;
    }

    /** Share of items on the diagonal; null for no items (0/0 has no value; JSON has no NaN). */
    public Double accuracy() {
        if (total == 0) {
            return null;
        }
        long right = 0;
        for (int c = 0; c < counts.length; c++) {
            right += counts[c][c];
        }
        return (double) right / total;
    }

    /** A copy of the counts, rows = true class, columns = predicted class. */
    public int[][] counts() {
        int[][] copy = new int[counts.length][];
        for (int i = 0; i < counts.length; i++) {
            copy[i] = counts[i].clone();
        }
        return copy;
    }

    /** Mean of the non-null values; null if there are none. */
    static Double meanOfDefined(Double[] values) {
        double sum = 0;
        int n = 0;
        for (Double v : values) {
            if (v != null) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? null : sum / n;
    }
}
