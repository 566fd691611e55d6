package dev.preflight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.cli.command.StatusCommand;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code preflight status}: grouped by experiment, stage shown, numbers at sensible precision, columns aligned in 100. */
class StatusFormatTest {

    @Test
    void theVerdictTableWrapsEvidenceWithinOneHundredColumns() {
        java.util.Map<String, Double> evidence = new java.util.LinkedHashMap<>();
        for (String k : List.of("val_loss_first", "val_loss", "val_loss_drop", "val_accuracy", "chance_accuracy", "zero_input_val_loss",
                "zero_input_accuracy", "majority_class_accuracy", "logistic_regression_accuracy")) {
            evidence.put(k, 0.123456789);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new dev.preflight.cli.report.Console(new PrintStream(bytes, true)).verdictTable(List.of(new dev.preflight.recipe.StageResult(
                "full-data", dev.preflight.recipe.Verdict.PASS, evidence, "learning", List.of())));
        String[] lines = bytes.toString().strip().split("\n");
        assertTrue(lines.length >= 4, bytes.toString());
        for (String line : lines) {
            assertTrue(line.length() <= 100, "over 100 columns: " + line);
        }
        assertTrue(lines[1].startsWith("full-data              PASS    val_loss_first=0.1235"), lines[1]);
        assertTrue(lines[2].startsWith(" ".repeat(31) + "val_accuracy=0.1235"), "continued under the evidence column: " + lines[2]);
        assertEquals(" ".repeat(31) + "learning", lines[lines.length - 1]);
    }

    @Test
    void runsAreGroupedByExperimentWithTheirStageAndReadableNumbers() throws Exception {
        ObjectMapper m = new ObjectMapper();
        List<JsonNode> runs = new ArrayList<>();
        runs.add(m.readTree("{\"runId\":\"run-a1\",\"state\":\"FINISHED\",\"steps\":300,\"step\":300,\"trainLoss\":0.002361803871393204,"
                + "\"valLoss\":1.5032894611358643,\"valAccuracy\":0.34375,\"submittedAtMs\":1,\"experiment\":\"exp-1\",\"stage\":\"overfit-one-sample\"}"));
        runs.add(m.readTree("{\"runId\":\"run-b2\",\"state\":\"KILLED\",\"steps\":200,\"step\":31,\"trainLoss\":1.1e-7,"
                + "\"submittedAtMs\":2,\"experiment\":\"exp-1\",\"stage\":\"ablations\"}"));
        runs.add(m.readTree("{\"runId\":\"run-c3\",\"state\":\"SUBMITTED\",\"steps\":100,\"submittedAtMs\":3}"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StatusCommand.print(runs, new PrintStream(bytes, true));
        String[] lines = bytes.toString().split("\n");
        assertEquals("experiment exp-1 (2 runs)", lines[0]);
        assertTrue(lines[2].contains("overfit-one-sample") && lines[2].contains(" 0.0024 ") && lines[2].contains(" 1.5033 ")
                && lines[2].contains("0.344") && lines[2].contains("300/300"), lines[2]);
        assertTrue(lines[3].contains("ablations") && lines[3].contains("1.100e-07") && lines[3].contains("31/200"), lines[3]);
        assertEquals("runs outside an experiment (1 run)", lines[4]);
        assertTrue(lines[6].contains("run-c3") && lines[6].contains("-/100"), lines[6]);
        int headerAt = lines[1].indexOf("TRAIN LOSS") + "TRAIN LOSS".length();
        for (String line : lines) {
            assertTrue(line.length() <= 100, "over 100 columns: " + line);
        }
        // Right-aligned numbers end where their header ends.
        assertEquals(headerAt, lines[2].indexOf("0.0024") + "0.0024".length());
    }
}
