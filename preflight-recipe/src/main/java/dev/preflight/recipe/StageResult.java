package dev.preflight.recipe;

import java.util.List;
import java.util.Map;

/**
 * One stage of report.json: its name, verdict, the numbers the verdict was based on, what to look at when it did
 * not pass, the runs that produced the evidence, and findings: one line per problem found, naming the evidence
 * (files, lines, classes) — what the user acts on.
 */
public record StageResult(String name, Verdict verdict, Map<String, Double> evidence, String summary, List<String> runIds,
                          List<String> findings) {

    public StageResult {
        findings = findings == null ? List.of() : List.copyOf(findings);
    }

    /** The same result with one more evidence number ({@code value} null: it does not exist, JSON null). */
    public StageResult withEvidence(String key, Double value) {
        java.util.Map<String, Double> more = new java.util.LinkedHashMap<>(evidence);
        more.put(key, value);
        return new StageResult(name, verdict, more, summary, runIds, findings);
    }

    /**
     * With early stopping, the run's {@code stopped_early_at_step} (null when it trained every step) and
     * {@code best_step} (the validated step whose weights it exported); unchanged without early stopping.
     */
    public StageResult withEarlyStopping(dev.preflight.ladder.RunWatcher.Finished run) {
        if (run.bestStep() == null) {
            return this;
        }
        return withEvidence("stopped_early_at_step", run.stoppedEarlyAt() == null ? null : run.stoppedEarlyAt().doubleValue())
                .withEvidence("best_step", run.bestStep().doubleValue());
    }

    /** A stage whose summary says it all. */
    public StageResult(String name, Verdict verdict, Map<String, Double> evidence, String summary, List<String> runIds) {
        this(name, verdict, evidence, summary, runIds, List.of());
    }
}
