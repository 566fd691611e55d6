package dev.preflight.recipe;

import java.util.List;

/**
 * report.json: every stage that ran, in ladder order. The overall verdict is the worst stage verdict.
 *
 * @param layers     per trainable tensor of the model, over the last run that trained it; null when no run did
 * @param notReached the stages asked for that were not climbed because an earlier one FAILed, in ladder order (the
 *                   recipe's order: a later stage on a failed earlier one only repeats the failure at a higher price);
 *                   empty when every stage asked for ran
 */
public record Report(String dataset, String model, List<StageResult> stages, long createdAtMs, LayerReport layers,
                     List<String> notReached) {

    public Report {
        notReached = notReached == null ? List.of() : List.copyOf(notReached);
    }

    public Report(String dataset, String model, List<StageResult> stages, long createdAtMs, LayerReport layers) {
        this(dataset, model, stages, createdAtMs, layers, List.of());
    }

    public Report(String dataset, String model, List<StageResult> stages, long createdAtMs) {
        this(dataset, model, stages, createdAtMs, null);
    }

    public Verdict verdict() {
        Verdict worst = Verdict.PASS;
        for (StageResult s : stages) {
            if (s.verdict().ordinal() > worst.ordinal()) {
                worst = s.verdict();
            }
        }
        return stages.isEmpty() ? Verdict.FAIL : worst;
    }
}
