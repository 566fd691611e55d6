package dev.preflight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.cli.stack.LocalStack;
import dev.preflight.cli.stack.Service;
import dev.preflight.cli.stack.StackState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLI on files as users bring them, through the packaged services: bad data is the user's input (exit 2, one line
 * naming file and line), and a real table climbs the ladder from one command naming its label column.
 */
class UserDataCliTest {

    private static final String HOME = System.getProperty("preflight.home", "..");

    /** Runs the CLI, returning the exit code; stderr goes to {@code err}. */
    private static int run(ByteArrayOutputStream err, String... args) {
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true));
        try {
            return PreflightCli.execute(args);
        } finally {
            System.setErr(saved);
        }
    }

    /**
     * Given to a running stack (this module's shared test stack, found as {@code preflight run} finds what
     * {@code preflight up} runs: a stack.json under --out), the ragged file is refused by the data-service at
     * registration. The command takes the same register call and exit-code handler when it starts a stack of its own
     * (RunOptions); starting one here for a refusal cost ~35 s of every CI run.
     */
    @Test
    @ExtendWith(SharedStack.class)
    void aRaggedCsvIsRefusedWithExitTwoAndOneLineNamingTheLine(LocalStack stack) throws Exception {
        // Straight under the data root, named as no other class names a file: refused, it is never registered.
        Path csv = stack.dataRoot().resolve("sensors.csv");
        // An export whose third data row lost a cell: reading on would shift every later feature by one column.
        Files.writeString(csv, "t,h,label\r\n20.1,40,ok\r\n21.5,41,ok\r\n22,bad\r\n19,39,bad\r\n");
        Path out = Files.createTempDirectory("ragged-out");
        ProcessHandle self = ProcessHandle.current();
        new StackState(self.pid(), StackState.startedAt(self), stack.apiKey(), stack.url(Service.GATEWAY), stack.url(Service.DATA),
                stack.bootstrapServers(), stack.dataRoot().toString(), null, List.of()).write(out);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = run(err, "run", "--dataset", csv.toString(), "--model", "mlp", "--stages", "data-check", "--out", out.toString());
        String[] lines = err.toString().trim().split("\n");
        assertEquals(2, code, err.toString());
        assertEquals(1, lines.length, err.toString());
        assertTrue(lines[0].startsWith("preflight: csv: sensors.csv line 4 has 2 cells, line 1 has 3 (ragged row"), lines[0]);
    }

    /** On demand, -Dtest.excludedGroups=stack (CI runs the README's same command in DocsExamplesTest): the real penguins table (label first, text columns, NA cells, units 200x apart) from one command. */
    @Test
    @Tag("real-data")
    void thePenguinsTableClimbsTheLadderFromOneCommand() throws Exception {
        Path penguins = Path.of(HOME).toAbsolutePath().resolve("../shared/datasets/penguins/penguins.csv").normalize();
        assertTrue(Files.isRegularFile(penguins), penguins + " is missing: CI lays ../shared beside the checkout");
        Path out = Path.of("target/penguins-test");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = run(err, "run", "--dataset", penguins.toString(), "--model", "mlp", "--label-column", "species",
                "--stages", "data-check,init-check,overfit-one-sample,overfit-few-samples,full-data", "--full-steps", "400",
                "--home", HOME, "--out", out.toString(), "--trainers", "2");
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals(0, code, err + "\n" + report.toPrettyString());
        JsonNode dataCheck = report.path("stages").get(0);
        assertEquals("data-check", dataCheck.path("name").asText());
        // 344 penguins, 2 without measurements and 9 more without sex: 333 complete rows, 11 listed as skipped.
        assertEquals(333, dataCheck.path("evidence").path("samples").asInt(), dataCheck.toPrettyString());
        assertEquals(3, dataCheck.path("evidence").path("classes").asInt());
        assertEquals(11, dataCheck.path("evidence").path("skipped").asInt());
        assertEquals("WARN", dataCheck.path("verdict").asText(), "rows with NA are skipped and listed: " + dataCheck);
        assertTrue(dataCheck.path("findings").toString().contains("penguins.csv:5"), dataCheck.path("findings").toString());
        assertTrue(dataCheck.path("findings").toString().contains("label: 'species' (labelColumn); 3 classes: Adelie, Chinstrap, Gentoo"),
                dataCheck.path("findings").toString());
        for (JsonNode stage : report.path("stages")) {
            assertTrue(!"FAIL".equals(stage.path("verdict").asText()), stage.toPrettyString());
        }
        JsonNode fullData = report.path("stages").get(4);
        assertEquals("full-data", fullData.path("name").asText());
        // Standardised, the species are all but linearly separable: the network must learn them, and may not beat
        // logistic regression by much (then the stage says so: a WARN, honest about a simple baseline).
        assertTrue(fullData.path("evidence").path("val_accuracy").asDouble() > 0.9, fullData.toPrettyString());
    }
}
