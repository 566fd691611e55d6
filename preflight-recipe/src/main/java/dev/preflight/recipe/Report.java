package dev.preflight.recipe;

import java.util.List;

/**
 * report.json: every stage that ran, in ladder order. The overall verdict is the worst stage verdict.
 *
 * @param layers per trainable tensor of the model, over the last run that trained it; null when no run did
 */
public record Report(String dataset, String model, List<StageResult> stages, long createdAtMs, LayerReport layers) {

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
