package dev.preflight.recipe;

import java.util.List;

/**
 * Recipe stage "data check" (Karpathy 1: "Become one with the data ... watch for data imbalances and biases";
 * Niessner 11/n: "never augment the val set as it would make it impossible to compare"). Judges a dataset's stats.
 *
 * <p>FAIL: no valid sample, train/val leakage (val is then no measure of generalisation), or too many corrupt files.
 * WARN: exact duplicates, strong class imbalance, any corrupt file. PASS otherwise.
 */
public final class DataCheck {

    public static final String NAME = "data-check";

    /**
     * @param maxImbalance      max/min class count above which balancing is advised; default 10
     * @param maxCorruptShare   share of unreadable files that FAILs; default 0.10
     */
    public record Thresholds(double maxImbalance, double maxCorruptShare) {
        public static final Thresholds DEFAULT = new Thresholds(10, 0.10);
    }

    /** What the data-service's stats endpoint reports. */
    public record Stats(int samples, int corrupt, int duplicateSamples, int leakedSamples, double imbalanceRatio, int numClasses) {
    }

    private DataCheck() {
    }

    public static StageResult judge(String dataset, Stats s, Thresholds t) {
        double corruptShare = s.samples() + s.corrupt() == 0 ? 0 : (double) s.corrupt() / (s.samples() + s.corrupt());
        Evidence ev = new Evidence().put("samples", s.samples()).put("classes", s.numClasses()).put("corrupt", s.corrupt())
                .put("duplicates", s.duplicateSamples()).put("leaked_val_samples", s.leakedSamples())
                .put("imbalance_ratio", s.imbalanceRatio());
        Verdict v;
        String summary;
        if (s.samples() == 0) {
            v = Verdict.FAIL;
            summary = "no valid sample in " + dataset;
        } else if (s.leakedSamples() > 0) {
            v = Verdict.FAIL;
            summary = s.leakedSamples() + " val samples also occur in train: val metrics would not measure generalisation; deduplicate before splitting";
        } else if (corruptShare > t.maxCorruptShare()) {
            v = Verdict.FAIL;
            summary = String.format("%.0f %% of the files are unreadable", 100 * corruptShare);
        } else if (s.numClasses() < 2) {
            v = Verdict.FAIL;
            summary = "fewer than two classes: nothing to learn";
        } else if (s.duplicateSamples() > 0 || s.imbalanceRatio() > t.maxImbalance() || s.corrupt() > 0) {
            v = Verdict.WARN;
            summary = String.format("%d duplicates, imbalance %.1f:1%s, %d corrupt files skipped", s.duplicateSamples(), s.imbalanceRatio(),
                    s.imbalanceRatio() > t.maxImbalance() ? " (consider class weights or balanced sampling)" : "", s.corrupt());
        } else {
            v = Verdict.PASS;
            summary = String.format("%d samples, %d classes, imbalance %.1f:1, no duplicates, no leakage", s.samples(), s.numClasses(), s.imbalanceRatio());
        }
        return new StageResult(NAME, v, ev.map(), summary, List.of());
    }
}
