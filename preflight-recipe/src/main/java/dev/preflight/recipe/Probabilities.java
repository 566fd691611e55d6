package dev.preflight.recipe;

/** What the stages read from one sample's predicted class probabilities (label-noise, ensemble). */
final class Probabilities {

    private Probabilities() {
    }

    /** The predicted class: the most probable one (the first of equals). */
    static int argmax(float[] probs) {
        int best = 0;
        for (int c = 1; c < probs.length; c++) {
            if (probs[c] > probs[best]) {
                best = c;
            }
        }
        return best;
    }

    /** The probability of {@code label}; 0 for a label the model has no output for. */
    static double of(float[] probs, int label) {
        return label >= 0 && label < probs.length ? probs[label] : 0;
    }

    /** Cross-entropy −ln p(label); a probability that underflowed to 0 counts as the smallest normal float, not as ∞. */
    static double loss(float[] probs, int label) {
        return -Math.log(Math.max(of(probs, label), Float.MIN_NORMAL));
    }
}
