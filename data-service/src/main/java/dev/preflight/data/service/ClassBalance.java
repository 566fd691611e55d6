package dev.preflight.data.service;

/**
 * Class weights for {@code data.balance = weights}: inverse frequency, normalised so the mean weight over the train
 * samples is 1, i.e. {@code w_c = N / (K * n_c)} with {@code n_c} the class's count in the train subset, {@code N}
 * the sum of the counts and {@code K} the number of classes with {@code n_c > 0}. Then {@code sum_c n_c w_c / N = 1}:
 * the loss keeps its scale (a learning rate tuned without weights still fits) while every present class contributes
 * the same total weight. A class absent from the subset gets weight 0 (there is nothing to weigh).
 */
public final class ClassBalance {

    private ClassBalance() {
    }

    public static float[] inverseFrequencyWeights(int[] counts) {
        long total = 0;
        int present = 0;
        for (int n : counts) {
            total += n;
            present += n > 0 ? 1 : 0;
        }
        float[] w = new float[counts.length];
        for (int c = 0; c < counts.length; c++) {
            w[c] = counts[c] == 0 ? 0f : (float) ((double) total / ((double) present * counts[c]));
        }
        return w;
    }
}
