package dev.preflight.wire;

import java.util.List;

/**
 * Fault drills for the data path: deliberately broken data, so a team can see that Preflight's stages catch what they
 * claim to catch (and so its own tests can prove it). Off unless set; never use them for real training.
 *
 * @param shuffleLabels train labels permuted across the train subset (a seeded, fixed permutation; val labels stay
 *                      true): the model can memorise but not generalise. The full-data stage must say "not learning".
 * @param delayMs       the data-service waits this long before producing each train batch: an input-bound pipeline.
 *                      The speed stage must say "input-bound".
 */
public record DataFaults(Boolean shuffleLabels, Integer delayMs) {

    void validate(String prefix, List<String> problems) {
        if (delayMs != null && (delayMs < 0 || delayMs > 10_000)) {
            problems.add(prefix + "delayMs must be in [0, 10000], was " + delayMs);
        }
    }

    public boolean shuffled() {
        return shuffleLabels != null && shuffleLabels;
    }

    public int delay() {
        return delayMs == null ? 0 : delayMs;
    }
}
