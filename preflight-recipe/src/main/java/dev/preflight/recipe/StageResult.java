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

    /** A stage whose summary says it all. */
    public StageResult(String name, Verdict verdict, Map<String, Double> evidence, String summary, List<String> runIds) {
        this(name, verdict, evidence, summary, runIds, List.of());
    }
}
