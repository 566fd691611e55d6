package dev.preflight.recipe;

import java.util.List;
import java.util.Map;

/**
 * One stage of report.json: its name, verdict, the numbers the verdict was based on, what to look at when it did
 * not pass, and the runs that produced the evidence.
 */
public record StageResult(String name, Verdict verdict, Map<String, Double> evidence, String summary, List<String> runIds) {
}
