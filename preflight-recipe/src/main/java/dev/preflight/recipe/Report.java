package dev.preflight.recipe;

import java.util.List;

/** report.json: every stage that ran, in ladder order. The overall verdict is the worst stage verdict. */
public record Report(String dataset, String model, List<StageResult> stages, long createdAtMs) {

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
