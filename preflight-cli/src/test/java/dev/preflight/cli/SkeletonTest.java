package dev.preflight.cli;

import dev.preflight.ladder.GatewayClient;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.cli.stack.LocalStack;
import dev.preflight.cli.stack.Service;
import dev.preflight.ladder.DataClient;
import dev.preflight.ladder.Ladder;
import dev.preflight.ladder.LadderOptions;
import dev.preflight.recipe.OverfitOneSample;
import dev.preflight.recipe.StageResult;
import dev.preflight.recipe.Verdict;
import dev.preflight.wire.EarlyStopper;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.EarlyStopping;
import dev.preflight.wire.SamplePredictions;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The walking skeleton end to end: a real Kafka broker, the four services as the packaged apps users run, a run
 * submitted over REST, batches streamed through Kafka, trained by TensorFlow, validated, and read back exactly.
 */
@ExtendWith(SharedStack.class)
class SkeletonTest {

    static LocalStack stack;
    static GatewayClient gateway;

    @BeforeAll
    static void useSharedStack(LocalStack shared) {
        stack = shared;
        gateway = stack.gateway();
    }

    @Test
    void overfitsOneSampleEndToEndWithValidationOnTheSameSteps() {
        // The ladder with the skeleton's one stage: the same code the demo and the gateway's experiments run.
        LadderOptions o = LadderOptions.of("skeleton", "shapes", new ModelConfig("mlp", 42L, 1e-3, List.of(64)))
                .withStages(List.of(new OverfitOneSample())).withRunTimeout(Duration.ofMinutes(5));
        Ladder ladder = new Ladder(gateway, new DataClient(stack.url(Service.DATA)), o, (stage, p) -> { }, r -> { });
        StageResult result = ladder.run().stages().get(0);
        RunWatcher.Finished run = ladder.artifacts().get(OverfitOneSample.NAME).runs().get(0);
        assertEquals(Verdict.PASS, result.verdict(), result.summary());
        assertEquals("FINISHED", run.state());

        List<TrainStep> train = run.history().train();
        assertEquals(OverfitOneSample.Thresholds.DEFAULT.steps(), train.size());
        for (int i = 0; i < train.size(); i++) {
            assertEquals(i + 1, train.get(i).step(), "every step exactly once, in order");
            assertEquals(run.runId(), train.get(i).runId());
        }
        double finalLoss = train.get(train.size() - 1).loss();
        assertTrue(finalLoss < 0.01, "train loss really below 0.01: " + finalLoss);
        assertTrue(train.get(0).loss() > 0.5, "and it started near ln(4), not at zero: " + train.get(0).loss());

        List<ValStep> val = run.history().val();
        assertFalse(val.isEmpty(), "validation ran alongside training");
        Set<Integer> trainSteps = train.stream().map(TrainStep::step).collect(Collectors.toSet());
        for (ValStep v : val) {
            assertEquals(run.runId(), v.runId());
            // Step 0 validates the initial weights (the input-independent baseline at init); every other is a train step.
            assertTrue(v.step() == 0 || trainSteps.contains(v.step()), "val step " + v.step() + " is a train step");
        }
        assertEquals(0, val.get(0).step(), "the initial weights were validated");
        assertTrue(val.get(0).zeroInputLoss() != null, "with the zero-input baseline");
        assertEquals(train.size(), val.get(val.size() - 1).step(), "the final weights were validated");
        // One memorised sample generalises to nothing: the val loss ends well above the train loss.
        assertTrue(val.get(val.size() - 1).valLoss() > 10 * finalLoss);

        given().baseUri(stack.url(Service.GATEWAY)).get("/q/metrics").then().statusCode(200)
                .body(containsString("preflight_train_loss{"), containsString("run=\"" + run.runId() + "\""));
    }

    @Test
    void sameSeedTwiceGivesBitwiseIdenticalTrainLosses() {
        RunSpec spec = new RunSpec("shapes", new DataConfig(7L, 32, 8, 0.2), new ModelConfig("mlp", 7L, 3e-3, List.of(32)), 40, 5);
        String a = gateway.submit(spec);
        String b = gateway.submit(spec);
        RunWatcher watcher = new RunWatcher(gateway);
        double[] la = watcher.await(a, 40, Duration.ofMinutes(5), p -> { }).history().trainLosses();
        double[] lb = watcher.await(b, 40, Duration.ofMinutes(5), p -> { }).history().trainLosses();
        assertEquals(40, la.length);
        assertEquals(40, lb.length);
        for (int i = 0; i < la.length; i++) {
            assertEquals(Double.doubleToRawLongBits(la[i]), Double.doubleToRawLongBits(lb[i]), "step " + (i + 1) + ": " + la[i] + " vs " + lb[i]);
        }
        assertTrue(la[39] < la[0], "and it learned something: " + la[0] + " -> " + la[39]);
    }

    @Test
    void whatTheDataServiceWouldRefuseIsA400AtSubmissionAndRegistrationNeedsTheKey() {
        String model = "\"model\":{\"type\":\"mlp\",\"seed\":1,\"learningRate\":0.01,\"hiddenUnits\":[8]},\"steps\":5}";
        given().baseUri(stack.url(Service.GATEWAY)).header("X-API-Key", stack.apiKey()).contentType("application/json")
                .body("{\"dataset\":\"mnist-typo\",\"data\":{\"seed\":1,\"subsetSize\":0,\"batchSize\":8,\"valFraction\":0.2}," + model)
                .post("/api/runs").then().statusCode(400)
                // The built-ins, in order; on the shared stack other classes' registrations may sort in between.
                .body("problems", hasItem(allOf(containsString("unknown dataset 'mnist-typo', known datasets: ["),
                        containsString("shapes, shapes-paired, shapes-seg, spirals"))));
        // shapes: 2000 samples, 1600 in the train side of a 0.2 split.
        given().baseUri(stack.url(Service.GATEWAY)).header("X-API-Key", stack.apiKey()).contentType("application/json")
                .body("{\"dataset\":\"shapes\",\"data\":{\"seed\":1,\"subsetSize\":100000,\"batchSize\":8,\"valFraction\":0.2}," + model)
                .post("/api/runs").then().statusCode(400)
                .body("problems", hasItem(containsString("subsetSize 100000 exceeds the 1600 train samples")));
        String registration = "{\"name\":\"nowhere\",\"format\":\"idx\",\"path\":\"nowhere\"}";
        given().baseUri(stack.url(Service.DATA)).contentType("application/json").body(registration)
                .post("/api/datasets").then().statusCode(401).body("error", containsString("X-API-Key"));
        // With the stack's key (the client the CLI uses) the request gets as far as the data root.
        DataClient.DatasetRejectedException e = org.junit.jupiter.api.Assertions.assertThrows(DataClient.DatasetRejectedException.class,
                () -> stack.data().register(java.util.Map.of("name", "nowhere", "format", "idx", "path", "nowhere")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void invalidRunSpecIsRejectedNamingTheField() {
        given().baseUri(stack.url(Service.GATEWAY)).header("X-API-Key", stack.apiKey()).contentType("application/json")
                .body("{\"dataset\":\"shapes\",\"data\":{\"seed\":1,\"subsetSize\":1,\"batchSize\":1,\"valFraction\":0.2},"
                        + "\"model\":{\"type\":\"mlp\",\"seed\":1,\"learningRate\":-1,\"hiddenUnits\":[8]},\"steps\":0}")
                .post("/api/runs").then().statusCode(400)
                .body("problems", hasItem(containsString("model.learningRate")))
                .body("problems", hasItem(containsString("steps")));
    }

    /**
     * Early stopping through the whole pipeline: 16 samples memorised, so the val loss turns up; the trainer stops on
     * the eval-service's val losses, exports the best step's weights (the per-sample predictions come from them), and
     * the stopping and best step agree with the rule applied to the history. Then "leave it training": the run is
     * continued from its final checkpoint and the new run's history picks up at the next step.
     */
    @Test
    void earlyStoppingStopsOnThePlateauExportsTheBestStepAndAContinuationPicksUpWhereItEnded() {
        int every = 2;
        EarlyStopping rule = new EarlyStopping(5, 0.0, 1);
        RunSpec spec = new RunSpec("shapes", new DataConfig(3L, 16, 8, 0.2), new ModelConfig("mlp", 3L, 1e-2, List.of(64)),
                400, every, null, null, null, List.of("val"), rule, null);
        String id = gateway.submit(spec);
        RunWatcher watcher = new RunWatcher(gateway);
        RunWatcher.Finished run = watcher.await(id, 400, Duration.ofMinutes(5), p -> { });
        assertEquals("FINISHED", run.state(), run.message());
        assertTrue(run.stoppedEarlyAt() != null && run.stoppedEarlyAt() < 400, "stopped early: " + run.message());
        int stop = run.stoppedEarlyAt();
        assertEquals(stop, run.lastStep());
        assertTrue(run.message().contains("stopped early at step " + stop), run.message());
        assertEquals(stop, run.history().train().size(), "every step up to the stop, once");

        // The rule on the history's val points (every 2nd step: none skipped) says where it stopped and what is best.
        EarlyStopper<Integer> replay = new EarlyStopper<>(rule);
        List<ValStep> val = run.history().val().stream().filter(v -> v.step() > 0).toList();
        for (ValStep v : val) {
            assertTrue(v.step() % every == 0 || v.step() == stop, "only every 2nd step and the last are validated: " + v.step());
            replay.published(v.step(), v.step());
            replay.validated(v.step(), v.valLoss());
        }
        assertEquals(replay.bestStep(), run.bestStep(), "best step");
        assertTrue(replay.stopValidatedStep() > 0 && replay.stopValidatedStep() <= stop, "the rule stops at " + replay.stopValidatedStep());
        // The trainer hears of a validation a few steps late (at most the snapshots in flight).
        assertTrue(stop - replay.stopValidatedStep() <= 3 * every, "stopped at " + stop + ", rule at " + replay.stopValidatedStep());
        assertTrue(run.bestStep() < stop && run.bestStep() > 0, "best " + run.bestStep() + " before the stop " + stop);
        // The val loss went up after the best step: the curve the rule caught.
        double best = val.stream().filter(v -> v.step() == run.bestStep()).findFirst().orElseThrow().valLoss();
        assertTrue(run.lastValLoss() >= best, run.lastValLoss() + " vs best " + best);
        // The exported weights are the best step's: the eval-service predicted every val sample with them.
        SamplePredictions predicted = valPredictions(id);
        assertEquals(run.bestStep().intValue(), predicted.step(), "per-sample predictions of the best step's weights");

        // Leave it training: 10 more steps from the final checkpoint (fewer than the patience's 12, so no early stop).
        String next = gateway.continueRun(id, 10);
        RunWatcher.Finished more = watcher.await(next, stop + 10, Duration.ofMinutes(5), p -> { });
        assertEquals("FINISHED", more.state(), more.message());
        assertEquals(stop + 10, more.lastStep());
        List<TrainStep> train = more.history().train();
        assertEquals(10, train.size());
        for (int i = 0; i < train.size(); i++) {
            assertEquals(stop + 1 + i, train.get(i).step(), "the continued history starts after step " + stop);
        }
        double first = run.history().train().get(0).loss();
        assertTrue(train.get(0).loss() < first / 4, "from the trained weights, not a fresh start: " + train.get(0).loss() + " vs " + first);
        assertEquals(id, gateway.run(next).path("spec").path("continueFrom").path("runId").asText());

        // Refusals: one line each, never a run.
        String gw = stack.url(Service.GATEWAY);
        given().baseUri(gw).header("X-API-Key", stack.apiKey()).contentType("application/json").body("{\"steps\":5}")
                .post("/api/runs/no-such-run/continue").then().statusCode(404).body("error", containsString("unknown run 'no-such-run'"));
        given().baseUri(gw).header("X-API-Key", stack.apiKey()).contentType("application/json").body("{\"steps\":0}")
                .post("/api/runs/" + id + "/continue").then().statusCode(400).body("error", containsString("steps must be in [1, 1000000]"));
        String running = gateway.submit(new RunSpec("shapes", new DataConfig(3L, 16, 8, 0.2), new ModelConfig("mlp", 3L, 1e-2, List.of(8)), 100_000, 50));
        given().baseUri(gw).header("X-API-Key", stack.apiKey()).contentType("application/json").body("{\"steps\":5}")
                .post("/api/runs/" + running + "/continue").then().statusCode(409).body("error", containsString("is still"));
        gateway.kill(running, "test over");
        assertEquals(2, PreflightCli.execute("continue", "no-such-run", "--steps", "5", "--gateway", gw, "--api-key", stack.apiKey()));
        assertEquals(2, PreflightCli.execute("continue", id, "--steps", "0", "--gateway", gw, "--api-key", stack.apiKey()));
    }

    /** The val predictions of a finished run: they come after its last validation, so wait up to a minute. */
    private static SamplePredictions valPredictions(String runId) {
        return await("val predictions of " + runId).atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .until(() -> gateway.predictions(runId, "val"), java.util.Optional::isPresent).orElseThrow();
    }
}
