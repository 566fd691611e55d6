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
import dev.preflight.recipe.ModelCheck;
import dev.preflight.recipe.OverfitFewSamples;
import dev.preflight.recipe.OverfitOneSample;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.SpeedCheck;
import dev.preflight.recipe.StageResult;
import dev.preflight.recipe.Stages;
import dev.preflight.recipe.Verdict;
import dev.preflight.wire.DataFaults;
import dev.preflight.wire.ModelConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The recipe's ladder through the real pipeline: the happy path passes every stage, and planted faults are each
 * caught by the stage named for them. Verdicts that cannot fail are defects.
 */
@ExtendWith(SharedStack.class)
class LadderTest {

    /** Full-data steps where a FAIL is at chance or input-independent at any length (happy paths keep the default 400). */
    static final int FAULT_FULL_DATA_STEPS = 200;

    static LocalStack stack;

    @BeforeAll
    static void useSharedStack(LocalStack shared) {
        stack = shared;
    }

    static ModelConfig cnn(double lr) {
        return new ModelConfig("cnn", 42L, lr, null);
    }

    static Report climb(ModelConfig model, List<String> stages) {
        return climb(model, null, stages);
    }

    static Report climb(ModelConfig model, DataFaults faults, List<String> stages) {
        return climb(model, faults, stages, 400);
    }

    static Report climb(ModelConfig model, DataFaults faults, List<String> stages, int fullDataSteps) {
        LadderOptions o = LadderOptions.of("test", "shapes", model).withFullDataSteps(fullDataSteps).withStages(Stages.named(stages))
                .withRunTimeout(Duration.ofMinutes(5)).withFaults(faults);
        return new Ladder(stack.gateway(), new DataClient(stack.url(Service.DATA)), o,
                (stage, p) -> { }, r -> System.out.println(r.name() + " " + r.verdict() + ": " + r.summary())).run();
    }

    static StageResult only(Report r) {
        assertEquals(1, r.stages().size(), r.stages().toString());
        return r.stages().get(0);
    }

    @Test
    void happyPathPassesEveryStage() {
        Report r = climb(cnn(1e-3), Stages.NAMES);
        assertEquals(Stages.NAMES, r.stages().stream().map(StageResult::name).toList());
        for (StageResult s : r.stages()) {
            assertEquals(Verdict.PASS, s.verdict(), s.name() + ": " + s.summary());
        }
        StageResult full = r.stages().get(5);
        assertTrue(full.evidence().get("val_accuracy") > full.evidence().get("logistic_regression_accuracy"));
        assertEquals(2, full.runIds().size(), "the model's run and the logistic-regression baseline's");
        // The ablations stage of this same ladder (same model, seed and data; it PASSed above): ASHA kills early and
        // the top trial gets a seed band. Checked here rather than on a second ablations-only climb (~30 s in CI).
        StageResult ablations = r.stages().get(Stages.NAMES.indexOf(Ablations.NAME));
        assertEquals(Ablations.NAME, ablations.name());
        assertEquals(4.0, ablations.evidence().get("trials"));
        assertTrue(ablations.evidence().get("killed_early") >= 1, "ASHA keeps only the top half at each rung: " + ablations.evidence());
        assertTrue(ablations.evidence().get("rank1_val_loss_sd") != null, "seed band: " + ablations.evidence());
        assertTrue(ablations.summary().contains("over 2 seeds"), ablations.summary());
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
        StageResult s = only(climb(cnn(1e-3), new DataFaults(true, null), List.of(FullData.NAME), FAULT_FULL_DATA_STEPS));
        assertEquals(Verdict.FAIL, s.verdict());
        assertTrue(s.summary().startsWith("not learning"), s.summary());
    }

    @Test
    void inputsThatNeverReachTheNetFailFullDataAsIgnoringItsInput() {
        StageResult s = only(climb(cnn(1e-3).withDroppedInputs(), null, List.of(FullData.NAME), FAULT_FULL_DATA_STEPS));
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
                cnn(1e-3), 300, 10);
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
        assertEquals("FINISHED", watcher.await(a, 300, Duration.ofMinutes(3), p -> { }).state());
        assertEquals("FINISHED", watcher.await(b, 300, Duration.ofMinutes(3), p -> { }).state());
    }

    /**
     * A file laid out like the UCI wine-quality CSVs: ';'-separated, every header name quoted, the label "quality"
     * last (6 classes, 3..8, at 68:1), rows repeated, features from 1e-3 to 1e2 apart.
     */
    static String wineLikeCsv() {
        StringBuilder csv = new StringBuilder("\"fixed acidity\";\"volatile acidity\";\"citric acid\";\"residual sugar\";\"chlorides\";"
                + "\"free sulfur dioxide\";\"total sulfur dioxide\";\"density\";\"pH\";\"sulphates\";\"alcohol\";\"quality\"\n");
        int[] perQuality = {10, 53, 681, 638, 199, 18};
        java.util.Random r = new java.util.Random(11);
        for (int q = 0; q < perQuality.length; q++) {
            for (int i = 0; i < perQuality[q]; ) {
                double a = 10.4 + 0.9 * (q - 2) + 0.5 * r.nextGaussian();
                String row = String.format(java.util.Locale.ROOT, "%.1f;%.3f;%.2f;%.1f;%.3f;%.0f;%.0f;%.4f;%.2f;%.2f;%.1f;%d",
                        8.3 + r.nextGaussian(), 0.53 - 0.08 * (q - 2) + 0.1 * r.nextGaussian(), Math.abs(0.27 + 0.2 * r.nextGaussian()),
                        2.5 + r.nextGaussian(), 0.087 + 0.02 * r.nextGaussian(), 16 + 10 * Math.abs(r.nextGaussian()),
                        46 + 30 * Math.abs(r.nextGaussian()), 0.9967 - 0.0006 * (a - 10.4) + 0.0005 * r.nextGaussian(),
                        3.31 + 0.15 * r.nextGaussian(), 0.66 + 0.05 * (q - 2) + 0.1 * r.nextGaussian(), a, q + 3);
                // The real files repeat about one row in seven.
                for (int copies = r.nextInt(7) == 0 ? 2 : 1; copies > 0 && i < perQuality[q]; copies--, i++) {
                    csv.append(row).append('\n');
                }
            }
        }
        return csv.toString();
    }

    static Report climbOn(String dataset, ModelConfig model, List<String> stages) {
        LadderOptions o = LadderOptions.of("test", dataset, model).withFullDataSteps(400).withStages(Stages.named(stages))
                .withRunTimeout(Duration.ofMinutes(5));
        return new Ladder(stack.gateway(), new DataClient(stack.url(Service.DATA)), o,
                (stage, p) -> { }, r -> System.out.println(r.name() + " " + r.verdict() + ": " + r.summary())).run();
    }

    @Test
    void aWineQualityLikeCsvClimbsWithAnMlpAndDataCheckOnlyWarns() throws Exception {
        java.nio.file.Files.writeString(stack.dataRoot().resolve("winequality-red.csv"), wineLikeCsv());
        stack.data().register(java.util.Map.of("name", "wine-red", "format", "csv", "path", "winequality-red.csv"));
        // No --hidden: the mlp's documented default widths.
        Report r = climbOn("wine-red", new ModelConfig("mlp", 42L, 1e-3, null),
                List.of(DataCheck.NAME, InitCheck.NAME, OverfitOneSample.NAME, OverfitFewSamples.NAME, FullData.NAME));
        assertEquals(5, r.stages().size(), r.stages().toString());
        StageResult data = r.stages().get(0);
        assertEquals(Verdict.WARN, data.verdict(), data.summary());
        assertTrue(data.summary().contains("exact duplicates") && data.summary().contains("imbalance 68.1:1"), data.summary());
        assertEquals(0.0, data.evidence().get("leaked_val_samples"), "Preflight's own split keeps repeated rows on one side");
        assertEquals(1599.0, data.evidence().get("samples"));
        for (StageResult s : r.stages().subList(1, 5)) {
            assertTrue(s.verdict() != Verdict.FAIL, s.name() + ": " + s.summary());
        }
        StageResult full = r.stages().get(4);
        assertTrue(full.evidence().get("val_accuracy") > full.evidence().get("majority_class_accuracy"), full.evidence().toString());
    }

    @Test
    void oneBasedIdxLabelsFailDataCheckNamingTheCause() throws Exception {
        java.nio.file.Path dir = stack.dataRoot().resolve("digits-one-based");
        java.nio.file.Files.createDirectories(dir);
        int n = 60;
        java.nio.ByteBuffer images = java.nio.ByteBuffer.allocate(16 + n * 28 * 28).putInt(0x803).putInt(n).putInt(28).putInt(28);
        java.nio.ByteBuffer labels = java.nio.ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < 28 * 28; p++) {
                images.put((byte) ((p * 7 + i * 13) % 256));
            }
            labels.put((byte) (1 + i % 10));
        }
        java.nio.file.Files.write(dir.resolve("train-images-idx3-ubyte"), images.array());
        java.nio.file.Files.write(dir.resolve("train-labels-idx1-ubyte"), labels.array());
        stack.data().register(java.util.Map.of("name", "digits-one-based", "format", "idx", "path", "digits-one-based"));
        Report r = climbOn("digits-one-based", cnn(1e-3), Stages.NAMES);
        assertEquals(List.of(ModelCheck.NAME, DataCheck.NAME), r.stages().stream().map(StageResult::name).toList());
        StageResult s = r.stages().get(1);
        assertEquals(Verdict.FAIL, s.verdict());
        assertTrue(s.summary().contains("('0')") && s.summary().contains("one-based"), s.summary());
    }

    /** The CLI against this stack: exit codes 0 (no FAIL), 1 (a FAIL, or a WARN with --strict), as documented. */
    @Test
    void theCommandsExitCodesFollowTheVerdicts() throws Exception {
        String[] remote = {"--gateway", stack.url(Service.GATEWAY), "--data", stack.url(Service.DATA), "--api-key", stack.apiKey(),
                "--out", "target/exit-codes"};
        java.util.function.Function<String[], Integer> cli = args -> {
            String[] all = java.util.Arrays.copyOf(args, args.length + remote.length);
            System.arraycopy(remote, 0, all, args.length, remote.length);
            return PreflightCli.execute(all);
        };
        assertEquals(0, cli.apply(new String[]{"run", "--dataset", "shapes", "--stages", "data-check,init-check"}));
        assertEquals(1, cli.apply(new String[]{"run", "--dataset", "shapes", "--lr", "0", "--stages", "overfit-one-sample"}));
        java.nio.file.Files.writeString(stack.dataRoot().resolve("winequality-red.csv"), wineLikeCsv());
        stack.data().register(java.util.Map.of("name", "wine-red", "format", "csv", "path", "winequality-red.csv"));
        // data-check WARNs on this file (imbalance, duplicates): fine by default, a failure with --strict.
        assertEquals(0, cli.apply(new String[]{"run", "--dataset", "wine-red", "--model", "mlp", "--stages", "data-check"}));
        assertEquals(1, cli.apply(new String[]{"run", "--dataset", "wine-red", "--model", "mlp", "--stages", "data-check", "--strict"}));
    }

    @Test
    void aFailStopsTheLadder() {
        Report r = climb(cnn(1e-3).withInitScale(100), Stages.NAMES);
        assertEquals(List.of(ModelCheck.NAME, DataCheck.NAME, InitCheck.NAME), r.stages().stream().map(StageResult::name).toList());
        assertEquals(Verdict.FAIL, r.verdict());
    }
}
