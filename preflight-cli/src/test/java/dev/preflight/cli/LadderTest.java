package dev.preflight.cli;

import dev.preflight.ladder.DataClient;
import dev.preflight.ladder.GatewayClient;
import dev.preflight.ladder.Ladder;
import dev.preflight.ladder.LadderOptions;
import dev.preflight.cli.stack.LocalStack;
import dev.preflight.cli.stack.Service;
import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.DataCheck;
import dev.preflight.recipe.FullData;
import dev.preflight.recipe.InitCheck;
import dev.preflight.recipe.OverfitFewSamples;
import dev.preflight.recipe.OverfitOneSample;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.SpeedCheck;
import dev.preflight.recipe.StageResult;
import dev.preflight.recipe.Verdict;
import dev.preflight.wire.DataFaults;
import dev.preflight.wire.ModelConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The recipe's ladder through the real pipeline: the happy path passes every stage, and planted faults are each
 * caught by the stage named for them. Verdicts that cannot fail are defects.
 */
class LadderTest {

    static LocalStack stack;

    @BeforeAll
    static void startStack() {
        stack = LocalStack.start(Path.of(System.getProperty("preflight.home", "..")), Path.of("target/ladder-test"), 2, System.out::println);
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    static ModelConfig cnn(double lr) {
        return new ModelConfig("cnn", 42L, lr, null);
    }

    static Report climb(ModelConfig model, List<String> stages) {
        return climb(model, null, stages);
    }

    static Report climb(ModelConfig model, DataFaults faults, List<String> stages) {
        LadderOptions o = new LadderOptions("test", "shapes", model, 42, 0.2, 64, 400, stages, Duration.ofMinutes(5), faults,
                DataCheck.Thresholds.DEFAULT, InitCheck.Thresholds.DEFAULT, OverfitOneSample.Thresholds.DEFAULT,
                OverfitFewSamples.Thresholds.DEFAULT, FullData.Thresholds.DEFAULT, SpeedCheck.Thresholds.DEFAULT, null);
        return new Ladder(stack.gateway(), new DataClient(stack.url(Service.DATA)), o,
                (stage, p) -> { }, r -> System.out.println(r.name() + " " + r.verdict() + ": " + r.summary())).run();
    }

    static StageResult only(Report r) {
        assertEquals(1, r.stages().size(), r.stages().toString());
        return r.stages().get(0);
    }

    @Test
    void happyPathPassesEveryStage() {
        Report r = climb(cnn(1e-3), LadderOptions.STAGES);
        assertEquals(LadderOptions.STAGES, r.stages().stream().map(StageResult::name).toList());
        for (StageResult s : r.stages()) {
            assertEquals(Verdict.PASS, s.verdict(), s.name() + ": " + s.summary());
        }
        StageResult full = r.stages().get(4);
        assertTrue(full.evidence().get("val_accuracy") > full.evidence().get("logistic_regression_accuracy"));
        assertEquals(2, full.runIds().size(), "the model's run and the logistic-regression baseline's");
    }

    @Test
    void learningRateZeroFailsOverfitOneSample() {
        StageResult s = only(climb(cnn(0), List.of(OverfitOneSample.NAME)));
        assertEquals(Verdict.FAIL, s.verdict());
        assertTrue(s.summary().contains("did not go down"), s.summary());
    }

    @Test
    void initScaledByAHundredFailsInitCheck() {
        StageResult s = only(climb(cnn(1e-3).withInitScale(100), List.of(InitCheck.NAME)));
        assertEquals(Verdict.FAIL, s.verdict());
        assertTrue(s.evidence().get("relative_error") > 0.5, s.evidence().toString());
    }

    @Test
    void absurdLearningRateFailsTheRunNamingTheStep() {
        StageResult s = only(climb(cnn(1e12), List.of(OverfitOneSample.NAME)));
        assertEquals(Verdict.FAIL, s.verdict());
        assertTrue(s.summary().matches("the run failed: loss is (NaN|Infinity) at step \\d+.*"), s.summary());
    }

    @Test
    void shuffledLabelsFailFullDataAsNotLearning() {
        StageResult s = only(climb(cnn(1e-3), new DataFaults(true, null), List.of(FullData.NAME)));
        assertEquals(Verdict.FAIL, s.verdict());
        assertTrue(s.summary().startsWith("not learning"), s.summary());
    }

    @Test
    void inputsThatNeverReachTheNetFailFullDataAsIgnoringItsInput() {
        StageResult s = only(climb(cnn(1e-3).withDroppedInputs(), List.of(FullData.NAME)));
        assertEquals(Verdict.FAIL, s.verdict());
        assertTrue(s.summary().startsWith("ignores its input"), s.summary());
    }

    @Test
    void aDelayInTheDataPathIsCalledInputBound() {
        StageResult s = only(climb(cnn(1e-3), new DataFaults(null, 80), List.of(SpeedCheck.NAME)));
        assertEquals(Verdict.WARN, s.verdict());
        assertTrue(s.summary().contains("INPUT_BOUND") && s.evidence().get("data_wait_share") >= 0.2, s.summary());
    }

    @Test
    void ablationsKillEarlyAndReportSeedBands() {
        Report r = climb(cnn(1e-3), List.of(Ablations.NAME));
        StageResult s = only(r);
        assertTrue(s.verdict() != Verdict.FAIL, s.summary());
        assertEquals(4.0, s.evidence().get("trials"));
        assertTrue(s.evidence().get("killed_early") >= 1, "ASHA keeps only the top half at each rung: " + s.evidence());
        assertTrue(s.evidence().get("rank1_val_loss_sd") != null, "seed band: " + s.evidence());
        assertTrue(s.summary().contains("over 2 seeds"), s.summary());
    }

    @Test
    void theSameLadderRunsOverRestOnTheGateway() {
        String body = "{\"dataset\":\"shapes\",\"model\":{\"type\":\"cnn\",\"seed\":42,\"learningRate\":0.001},"
                + "\"stages\":[\"data-check\",\"init-check\"]}";
        var api = io.restassured.RestAssured.given().baseUri(stack.url(Service.GATEWAY)).contentType("application/json");
        api.body(body).post("/api/experiments").then().statusCode(401);
        io.restassured.RestAssured.given().baseUri(stack.url(Service.GATEWAY)).contentType("application/json")
                .header("X-API-Key", stack.apiKey()).body(body.replace("init-check", "warp-drive"))
                .post("/api/experiments").then().statusCode(400).body("problems[0]", org.hamcrest.Matchers.containsString("warp-drive"));
        String id = io.restassured.RestAssured.given().baseUri(stack.url(Service.GATEWAY)).contentType("application/json")
                .header("X-API-Key", stack.apiKey()).body(body).post("/api/experiments")
                .then().statusCode(202).extract().path("experimentId");
        org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() ->
                !"RUNNING".equals(io.restassured.RestAssured.given().baseUri(stack.url(Service.GATEWAY)).get("/api/experiments/" + id)
                        .then().extract().path("state")));
        io.restassured.RestAssured.given().baseUri(stack.url(Service.GATEWAY)).get("/api/experiments/" + id).then().statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("DONE"))
                .body("verdict", org.hamcrest.Matchers.equalTo("PASS"))
                .body("stages.name", org.hamcrest.Matchers.contains("data-check", "init-check"));
        io.restassured.RestAssured.given().baseUri(stack.url(Service.GATEWAY)).get("/api/experiments/" + id + "/report.html")
                .then().statusCode(200).body(org.hamcrest.Matchers.containsString("init-check"));
    }

    @Test
    void twoTrainerReplicasTrainTwoRunsAtOnce() {
        var gateway = stack.gateway();
        dev.preflight.wire.RunSpec spec = new dev.preflight.wire.RunSpec("shapes", new dev.preflight.wire.DataConfig(3L, 0, 64, 0.2),
                cnn(1e-3), 600, 10);
        String a = gateway.submit(spec);
        String b = gateway.submit(spec);
        // While both run, each replica holds one: the queue hands a run only to a trainer that is idle.
        org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() ->
                "RUNNING".equals(gateway.run(a).path("state").asText()) && "RUNNING".equals(gateway.run(b).path("state").asText())
                        && gateway.run(a).path("step").asInt() > 0 && gateway.run(b).path("step").asInt() > 0);
        String workerA = gateway.run(a).path("worker").asText();
        String workerB = gateway.run(b).path("worker").asText();
        assertTrue(!workerA.isEmpty() && !workerA.equals(workerB), workerA + " vs " + workerB);
        var watcher = new dev.preflight.ladder.RunWatcher(gateway);
        assertEquals("FINISHED", watcher.await(a, 600, Duration.ofMinutes(3), p -> { }).state());
        assertEquals("FINISHED", watcher.await(b, 600, Duration.ofMinutes(3), p -> { }).state());
    }

    @Test
    void aFailStopsTheLadder() {
        Report r = climb(cnn(1e-3).withInitScale(100), LadderOptions.STAGES);
        assertEquals(List.of(DataCheck.NAME, InitCheck.NAME), r.stages().stream().map(StageResult::name).toList());
        assertEquals(Verdict.FAIL, r.verdict());
    }
}
