package dev.preflight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.cli.stack.LocalStack;
import dev.preflight.cli.stack.Service;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bring your own model, end to end: {@code preflight run --keras-model} on a Keras 3 CNN definition climbs model-check
 * to overfit-one-sample on the packaged services through a real broker; its softmax-twice twin is FAILed by
 * model-check, and with model-check skipped by overfit-one-sample (a doubly squashed output cannot reach zero loss).
 */
@ExtendWith(SharedStack.class)
class KerasLadderTest {

    static LocalStack stack;

    @BeforeAll
    static void useSharedStack(LocalStack shared) {
        stack = shared;
    }

    /** The example definitions the README's "Your model" command uses (Keras 3 config.json format). */
    static Path resource(String name) {
        return Path.of(System.getProperty("preflight.home", ".."), "docs/examples/keras", name).toAbsolutePath();
    }

    /** Runs the command against the stack; returns the exit code and report.json's stages as "name VERDICT". */
    static List<String> run(String out, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("run", "--dataset", "shapes", "--out", "target/" + out, "--gateway", stack.url(Service.GATEWAY),
                "--data", stack.url(Service.DATA), "--api-key", stack.apiKey(), "--timeout", "300"));
        all.addAll(List.of(args));
        int code = PreflightCli.execute(all.toArray(new String[0]));
        JsonNode report = new ObjectMapper().readTree(Files.readString(Path.of("target", out, "report.json")));
        List<String> stages = new ArrayList<>();
        stages.add("exit " + code);
        report.path("stages").forEach(s -> stages.add(s.path("name").asText() + " " + s.path("verdict").asText()));
        System.out.println(out + ": " + stages + "\n" + report.path("stages"));
        return stages;
    }

    @Test
    void aKerasCnnClimbsFromModelCheckToOverfitOneSample() throws Exception {
        assertEquals(List.of("exit 0", "model-check PASS", "data-check PASS", "init-check PASS", "overfit-one-sample PASS"),
                run("keras-cnn", "--keras-model", resource("shapes_cnn.json").toString(),
                        "--stages", "model-check,data-check,init-check,overfit-one-sample"));
        // The report names the user's layers: every trained tensor of the definition, with its gradient norm.
        JsonNode layers = new ObjectMapper().readTree(Files.readString(Path.of("target/keras-cnn/report.json"))).path("layers");
        List<String> tensors = new ArrayList<>();
        layers.path("params").forEach(p -> tensors.add(p.path("name").asText()));
        assertEquals(List.of("conv2d/kernel", "conv2d/bias", "conv2d_1/kernel", "conv2d_1/bias", "dense/kernel", "dense/bias",
                "dense_1/kernel", "dense_1/bias"), tensors);
        assertEquals("overfit-one-sample", layers.path("stage").asText());
        layers.path("params").forEach(p -> assertTrue(p.path("gradNormMean").asDouble() > 0, p.toString()));
        assertEquals(0, layers.path("neverMoved").size());
        // and the finished run is exported for Keras next to its SavedModel
        Path export = stack.exports().resolve(layers.path("runId").asText()).resolve("keras");
        assertTrue(Files.isRegularFile(export.resolve("model.json")) && Files.isRegularFile(export.resolve("model.weights.h5")), export.toString());
    }

    @Test
    void softmaxTwiceIsFailedByModelCheckAndWithoutItByOverfitOneSample() throws Exception {
        List<String> checked = run("keras-twice", "--keras-model", resource("shapes_cnn_softmax_twice.json").toString(),
                "--stages", "model-check,overfit-one-sample");
        assertEquals(List.of("exit 1", "model-check FAIL"), checked);
        List<String> unchecked = run("keras-twice-unchecked", "--keras-model", resource("shapes_cnn_softmax_twice.json").toString(),
                "--stages", "overfit-one-sample");
        assertEquals(List.of("exit 1", "overfit-one-sample FAIL"), unchecked);
        JsonNode o1 = new ObjectMapper().readTree(Files.readString(Path.of("target/keras-twice-unchecked/report.json"))).path("stages").get(0);
        double floor = -Math.log(Math.E / (Math.E + 3));
        assertTrue(o1.path("evidence").path("train_loss").asDouble() > floor - 1e-3, o1.toString());
    }
}
