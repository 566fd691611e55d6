package dev.preflight.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreflightCliTest {

    @Test
    void helpExitsZero() {
        assertEquals(0, PreflightCli.execute("--help"));
        assertEquals(0, PreflightCli.execute("demo", "--help"));
        assertEquals(0, PreflightCli.execute("continue", "--help"));
    }

    @Test
    void unknownOptionIsAUsageErrorOfOneLine() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            assertEquals(2, PreflightCli.execute("demo", "--no-such-option"));
            assertEquals(2, PreflightCli.execute("run", "--dataset", "/no/such/dataset"));
        } finally {
            System.setErr(err);
        }
        String[] lines = captured.toString().trim().split("\n");
        assertEquals(2, lines.length, captured.toString());
        assertTrue(lines[0].startsWith("preflight: Unknown option: '--no-such-option'"), lines[0]);
        assertTrue(lines[1].contains("/no/such/dataset does not exist"), lines[1]);
    }

    @Test
    void dataAndTrainingOptionsThatCannotApplyAreUsageErrorsBeforeAnythingStarts() throws Exception {
        Path folder = Files.createTempDirectory("pets");
        Files.createDirectories(folder.resolve("cat"));
        Files.createDirectories(folder.resolve("dog"));
        Path csv = Files.createTempFile("table", ".csv");
        Files.writeString(csv, "a,b,label\n1,2,x\n3,4,y\n");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            assertEquals(2, PreflightCli.execute("run", "--dataset", folder.toString(), "--label-column", "species"));
            assertEquals(2, PreflightCli.execute("run", "--dataset", csv.toString(), "--balance", "oversample"));
            assertEquals(2, PreflightCli.execute("run", "--dataset", csv.toString(), "--augment", "hflip,rotation"));
            assertEquals(2, PreflightCli.execute("run", "--dataset", csv.toString(), "--augment", "rotation=400"));
            assertEquals(2, PreflightCli.execute("run", "--dataset", csv.toString(), "--stages", "ablations,ensemble", "--ensemble-top", "1"));
            assertEquals(2, PreflightCli.execute("run", "--dataset", csv.toString(), "--patience", "-1"));
            assertEquals(2, PreflightCli.execute("run", "--dataset", csv.toString(), "--patience", "1000001"));
            assertEquals(2, PreflightCli.execute("run", "--dataset", csv.toString(), "--model", "generator", "--stages", "l1-regression,adversarial",
                    "--critic-clip", "0"));
            assertEquals(2, PreflightCli.execute("run", "--dataset", csv.toString(), "--model", "generator", "--stages", "adversarial"));
            assertEquals(2, PreflightCli.execute("run", "--dataset", csv.toString(), "--model", "cnn", "--stages", "l1-regression"));
        } finally {
            System.setErr(err);
        }
        String[] lines = captured.toString().trim().split("\n");
        assertEquals(10, lines.length, captured.toString());
        assertTrue(lines[0].contains("--label-column applies to csv datasets") && lines[0].contains("image-folder"), lines[0]);
        assertTrue(lines[1].contains("--balance 'oversample' is unknown, expected one of"), lines[1]);
        assertTrue(lines[2].contains("'rotation' needs a value"), lines[2]);
        assertTrue(lines[3].contains("rotationDegrees must be in [0, 180], was 400.0"), lines[3]);
        assertTrue(lines[4].contains("--ensemble-top: an ensemble needs topK >= 2, was 1"), lines[4]);
        assertTrue(lines[5].contains("--patience must be in [0, 1000000] validated steps (0: no early stopping), was -1"), lines[5]);
        // Beyond what a run spec takes: refused here, not by the gateway once the ladder reaches full-data.
        assertTrue(lines[6].contains("--patience must be in [0, 1000000] validated steps (0: no early stopping), was 1000001"), lines[6]);
        assertTrue(lines[7].contains("--critic-clip must be a finite number > 0, was 0.0"), lines[7]);
        assertTrue(lines[8].contains("--stages: adversarial starts from the l1-regression stage's weights and needs it to PASS first: "
                + "name l1-regression too"), lines[8]);
        assertTrue(lines[9].contains("--model: l1-regression trains an image-to-image model: the zoo's generator (--model generator, "
                + "model.type generator) or your own Keras model, not 'cnn' (a classifier's architecture)"), lines[9]);
    }

    @Test
    void aKerasDefinitionPreflightCannotBuildIsAUsageErrorNamingTheLayerBeforeAnythingStarts() throws Exception {
        Path home = Path.of(System.getProperty("preflight.home", ".."));
        String good = Files.readString(home.resolve("docs/examples/keras/shapes_cnn.json"));
        Path bad = Files.createTempFile("model", ".json");
        Files.writeString(bad, good.replaceFirst("\"groups\": 1", "\"groups\": 2"));
        Path weights = Files.createTempFile("w", ".weights.h5");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            assertEquals(2, PreflightCli.execute("run", "--dataset", "shapes", "--keras-model", bad.toString()));
            assertEquals(2, PreflightCli.execute("run", "--dataset", "shapes", "--weights", weights.toString()));
            assertEquals(2, PreflightCli.execute("run", "--dataset", "shapes", "--keras-model", bad.toString() + ".missing"));
        } finally {
            System.setErr(err);
        }
        String[] lines = captured.toString().trim().split("\n");
        assertEquals(3, lines.length, captured.toString());
        assertTrue(lines[0].contains(bad + ": layer 'conv2d' (Conv2D): argument 'groups' = 2 is not supported (only 1)"), lines[0]);
        assertTrue(lines[1].contains("--weights and --from-logits go with --keras-model"), lines[1]);
        assertTrue(lines[2].contains("cannot read --keras-model"), lines[2]);
    }

    @Test
    void ablateTakesRunsOptionsDirectlyAsTheReadmeShowsIt() throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            // The README's own line, with a space file that does not parse: the options must be accepted, the file named.
            Path space = Files.createTempFile("space", ".json");
            Files.writeString(space, "{\"trials\": 0}");
            assertEquals(2, PreflightCli.execute("ablate", space.toString(), "--dataset", "shapes", "--model", "cnn"));
        } finally {
            System.setErr(err);
        }
        String out = captured.toString();
        assertTrue(!out.contains("Unknown option") && out.contains("space") && out.contains("trials"), out);
    }

    @Test
    void versionNamesTheKafkaAndTensorFlowItRuns() {
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        try {
            assertEquals(0, PreflightCli.execute("--version"));
            assertEquals(0, PreflightCli.execute("generate-completion"));
        } finally {
            System.setOut(saved);
        }
        String out = captured.toString();
        assertTrue(out.startsWith("preflight 0.1.0"), out);
        assertTrue(out.contains("Apache Kafka 4.") && out.contains("TensorFlow Java 1."), out);
        assertTrue(out.contains("complete -F"), "a bash completion script follows");
    }

    @Test
    void missingBuildIsOneLineAndExitCodeThree() throws Exception {
        Path empty = Files.createTempDirectory("no-preflight");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            assertEquals(PreflightCli.INFRASTRUCTURE_ERROR, PreflightCli.execute("demo", "--home", empty.toString(), "--out", empty.resolve("out").toString()));
        } finally {
            System.setErr(err);
        }
        String message = captured.toString().trim();
        assertTrue(message.startsWith("preflight: ") && message.contains("quarkus-run.jar is missing") && !message.contains("\n"), message);
    }
}
