package dev.preflight.gateway.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.Continuation;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunCommand;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class KillAndCompareTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static String submit() {
        return given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body(RunSubmissionTest.VALID).when().post("/api/runs")
                .then().statusCode(202).extract().path("runId");
    }

    @Test
    void killPublishesAKillCommandKeyedByTheRunAndAnswersOnceKafkaHasIt() {
        String runId = submit();
        long before = System.currentTimeMillis();
        given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body("{\"reason\": \"ASHA: bottom half at step 200\"}")
                .when().post("/api/runs/" + runId + "/kill")
                .then().statusCode(202)
                .body("runId", equalTo(runId))
                .body("reason", equalTo("ASHA: bottom half at step 200"))
                .body("state", equalTo("SUBMITTED"));

        ConsumerRecord<String, byte[]> record = KafkaTestClient.awaitRecord(Topics.CONTROL, r -> runId.equals(r.key()));
        RunCommand command = RunCommand.decode(record.value());
        assertEquals(runId, command.runId());
        assertEquals(RunCommand.Type.KILL, command.type());
        assertEquals("ASHA: bottom half at step 200", command.reason());
        assertTrue(command.atMs() >= before, "stamped when sent");

        // The trainer confirms; from then on the run is terminal and a second kill conflicts.
        KafkaTestClient.publish(Topics.RUN_EVENTS, runId,
                Json.encode(new RunEvent(runId, RunEvent.Type.KILLED, 12, command.reason(), "trainer-1", System.currentTimeMillis())));
        await().atMost(WAIT).untilAsserted(() -> given().header("X-API-Key", "test-key").get("/api/runs/" + runId).then().body("state", equalTo("KILLED")));
        given().header("X-API-Key", "test-key").when().post("/api/runs/" + runId + "/kill").then().statusCode(409)
                .contentType(ContentType.JSON).body("error", containsString("already KILLED"));
    }

    @Test
    void aKillWithoutBodyGetsTheDefaultReason() {
        String runId = submit();
        given().header("X-API-Key", "test-key").when().post("/api/runs/" + runId + "/kill").then().statusCode(202)
                .body("reason", equalTo(RunResource.DEFAULT_REASON));
        RunCommand command = RunCommand.decode(
                KafkaTestClient.awaitRecord(Topics.CONTROL, r -> runId.equals(r.key())).value());
        assertEquals(RunResource.DEFAULT_REASON, command.reason());
    }

    @Test
    void killRefusesUnknownFinishedAndMalformedRequests() {
        given().header("X-API-Key", "test-key").when().post("/api/runs/run-nosuchrun/kill").then().statusCode(404)
                .body("error", containsString("run-nosuchrun"));

        String finished = RunIds.newId();
        KafkaTestClient.publish(Topics.RUN_EVENTS, finished,
                Json.encode(new RunEvent(finished, RunEvent.Type.FINISHED, 3, "done", "trainer-1", System.currentTimeMillis())));
        await().atMost(WAIT).untilAsserted(() -> given().header("X-API-Key", "test-key").get("/api/runs/" + finished).then().statusCode(200));
        given().header("X-API-Key", "test-key").when().post("/api/runs/" + finished + "/kill").then().statusCode(409)
                .body("error", containsString("already FINISHED"));

        String live = submit();
        given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body("{\"reason\": \"" + "x".repeat(RunResource.MAX_REASON_LENGTH + 1) + "\"}")
                .when().post("/api/runs/" + live + "/kill").then().statusCode(400)
                .body("error", containsString("at most " + RunResource.MAX_REASON_LENGTH));
        given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body("{\"why\": \"typo\"}")
                .when().post("/api/runs/" + live + "/kill").then().statusCode(400)
                .body("error", containsString("malformed kill request"));
    }

    /** Ends a run the gateway knows as the trainer would, and waits until the gateway shows it. */
    private static void end(String runId, RunEvent.Type type, int step, RunEvent.Finish finish) {
        KafkaTestClient.publish(Topics.RUN_EVENTS, runId, Json.encode(new RunEvent(runId, type, step, "ended", "trainer-1",
                System.currentTimeMillis(), null, finish)));
        await().atMost(WAIT).untilAsserted(() -> given().get("/api/runs/" + runId).then().body("state", equalTo(type.name())));
    }

    private static io.restassured.response.ValidatableResponse continueRun(String runId, String body) {
        return given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body(body)
                .when().post("/api/runs/" + runId + "/continue").then();
    }

    @Test
    void continueSubmitsALinkedRunFromTheFinalCheckpointAndRefusesWhatCannotContinue() {
        String done = submit();
        end(done, RunEvent.Type.FINISHED, 40, new RunEvent.Finish(40, 40, 30, 0.25));
        given().get("/api/runs/" + done).then().body("checkpointStep", equalTo(40)).body("stoppedEarlyAt", equalTo(40))
                .body("bestStep", equalTo(30)).body("bestValLoss", equalTo(0.25f));
        String next = continueRun(done, "{\"steps\": 25}").statusCode(202).body("state", equalTo("SUBMITTED"))
                .extract().path("runId");
        RunSubmitted published = RunSubmitted.decode(KafkaTestClient.awaitRecord(Topics.RUNS, r -> next.equals(r.key())).value());
        assertEquals(65, published.spec().steps());
        assertEquals(new Continuation(done, 40), published.spec().continueFrom());
        assertEquals(25, published.spec().batchCount());

        continueRun("run-nosuchrun", "{\"steps\": 5}").statusCode(404).body("error", containsString("unknown run 'run-nosuchrun'"));
        continueRun(done, "{\"steps\": 0}").statusCode(400).body("error", containsString("steps must be in [1, 1000000]"));
        continueRun(done, "{\"steps\": 2147483647}").statusCode(400).body("error", containsString("steps must be in [1, 1000000]"));
        continueRun(done, "{\"stepz\": 5}").statusCode(400).body("error", containsString("malformed continue request"));
        // 40 + 999,990 steps: over the limit in total.
        continueRun(done, "{\"steps\": 999990}").statusCode(400).body("problems", hasItem(containsString("steps must be in")));
        String live = submit();
        continueRun(live, "{\"steps\": 5}").statusCode(409).body("error", containsString("is still SUBMITTED"));
        end(live, RunEvent.Type.KILLED, 7, null);
        continueRun(live, "{\"steps\": 5}").statusCode(409).body("error", containsString("ended KILLED, not FINISHED"));
        String old = submit();
        end(old, RunEvent.Type.FINISHED, 100, null);
        continueRun(old, "{\"steps\": 5}").statusCode(409).body("error", containsString("no final checkpoint"));
        given().contentType(ContentType.JSON).body("{\"steps\": 5}").when().post("/api/runs/" + done + "/continue").then().statusCode(401);
    }

    static final String ADVERSARIAL = """
            {"dataset": "shapes-paired",
             "data": {"seed": 1, "subsetSize": 0, "batchSize": 32, "valFraction": 0.2},
             "model": {"type": "generator", "seed": 7, "learningRate": 0.001, "loss": "l1"},
             "steps": 50, "initFrom": "%s", "adversarial": {"criticSteps": 3}}
            """;

    private static io.restassured.response.ValidatableResponse submit(String body) {
        return given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body(body).when().post("/api/runs").then();
    }

    /**
     * A warm start is refused at once unless its source finished; an adversarial run's critic metrics are served per
     * step (history and its series), in Prometheus and nowhere for a run without a critic.
     */
    @Test
    void adversarialRunsStartFromAFinishedRunAndServeTheCriticsMetrics() {
        submit(ADVERSARIAL.formatted("run-nosuchrun")).statusCode(400).body("problems", hasItem("initFrom names unknown run 'run-nosuchrun'"));
        String live = submit();
        submit(ADVERSARIAL.formatted(live)).statusCode(409).body("error", containsString("is SUBMITTED, not FINISHED"));
        submit(ADVERSARIAL.formatted(live).replace("\"generator\"", "\"mlp\"")).statusCode(400)
                .body("problems", hasItem(containsString("adversarial needs a generator model")));
        submit(ADVERSARIAL.formatted(live).replace("\"criticSteps\": 3", "\"clip\": 0")).statusCode(400)
                .body("problems", hasItem("adversarial.clip must be a finite number > 0, was 0.0"));
        end(live, RunEvent.Type.FINISHED, 40, new RunEvent.Finish(40, null, null, null));
        String adv = submit(ADVERSARIAL.formatted(live)).statusCode(202).extract().path("runId");
        RunSubmitted published = RunSubmitted.decode(KafkaTestClient.awaitRecord(Topics.RUNS, r -> adv.equals(r.key())).value());
        assertEquals(live, published.spec().initFrom());
        assertEquals(3, published.spec().adversarial().criticStepsOrDefault());

        dev.preflight.wire.CriticStep critic = new dev.preflight.wire.CriticStep(0.42, -0.4, 1.5, 15, 0.21);
        KafkaTestClient.publish(Topics.TRAIN_METRICS, adv, Json.encode(new TrainStep(adv, 1, 0.031, 0.1, 0.0, 0.1, 32, 1e-3, 0.5,
                null, null, null, null, critic)));
        await().atMost(WAIT).untilAsserted(() -> given().get("/api/runs/" + adv + "/history?metric=critic_wasserstein_estimate").then()
                .statusCode(200).body("points.step", equalTo(List.of(1))).body("points.value", equalTo(List.of(0.42f))));
        given().get("/api/runs/" + adv + "/history").then().body("train[0].critic.criticUpdates", equalTo(15))
                .body("train[0].critic.generatorAdversarialLoss", equalTo(0.21f));
        String scrape = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertEquals(0.42, PrometheusText.sample(scrape, "preflight_critic_wasserstein_estimate", adv, "generator"));
        assertEquals(-0.4, PrometheusText.sample(scrape, "preflight_critic_loss", adv, "generator"));
        assertEquals(0.21, PrometheusText.sample(scrape, "preflight_generator_adversarial_loss", adv, "generator"));
        // A run without a critic has no points in the critic's series.
        KafkaTestClient.publish(Topics.TRAIN_METRICS, live, Json.encode(new TrainStep(live, 41, 0.5, 0.1, 0.0, 0.1, 32)));
        await().atMost(WAIT).untilAsserted(() -> given().get("/api/runs/" + live + "/history?metric=train_loss").then()
                .body("points.step", hasItem(41)));
        given().get("/api/runs/" + live + "/history?metric=critic_wasserstein_estimate").then().statusCode(200).body("points.size()", equalTo(0));
    }

    @Test
    void compareReturnsOneSeriesPerRunInTheOrderNamed() throws Exception {
        String a = RunIds.newId();
        String b = RunIds.newId();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int step = 1; step <= 6; step++) {
            records.add(new ProducerRecord<>(Topics.TRAIN_METRICS, a, Json.encode(new TrainStep(a, step, 1.0 / step, 0.1, 0.01, 0.09, 8))));
            records.add(new ProducerRecord<>(Topics.TRAIN_METRICS, b, Json.encode(new TrainStep(b, step, 2.0 / step, 0.1, 0.01, 0.09, 8))));
        }
        records.add(new ProducerRecord<>(Topics.VAL_METRICS, a, Json.encode(new ValStep(a, 3, 0.7, 0.5, 16))));
        records.add(new ProducerRecord<>(Topics.VAL_METRICS, b, Json.encode(new ValStep(b, 6, 0.9, 0.25, 16))));
        KafkaTestClient.publish(records);
        await().atMost(WAIT).untilAsserted(() -> {
            given().header("X-API-Key", "test-key").get("/api/runs/" + a).then().statusCode(200).body("step", equalTo(6)).body("valStep", equalTo(3));
            given().header("X-API-Key", "test-key").get("/api/runs/" + b).then().statusCode(200).body("step", equalTo(6)).body("valStep", equalTo(6));
        });

        JsonNode loss = Json.MAPPER.readTree(given().header("X-API-Key", "test-key").queryParam("metric", "train_loss").queryParam("runs", b + "," + a)
                .queryParam("from", 2).queryParam("to", 4)
                .when().get("/api/compare").then().statusCode(200).extract().asString());
        assertEquals("train_loss", loss.get("metric").asText());
        assertEquals(b, loss.get("series").get(0).get("runId").asText());
        assertEquals(a, loss.get("series").get(1).get("runId").asText());
        for (int i = 0; i < 3; i++) {
            int step = 2 + i;
            assertEquals(step, loss.get("series").get(0).get("points").get(i).get("step").asInt());
            assertEquals(2.0 / step, loss.get("series").get(0).get("points").get(i).get("value").doubleValue());
            assertEquals(1.0 / step, loss.get("series").get(1).get("points").get(i).get("value").doubleValue());
        }
        assertEquals(3, loss.get("series").get(0).get("points").size());

        given().header("X-API-Key", "test-key").queryParam("metric", "val_accuracy").queryParam("runs", a + "," + b).when().get("/api/compare").then()
                .statusCode(200)
                .body("series[0].points[0].step", equalTo(3)).body("series[0].points[0].value", equalTo(0.5f))
                .body("series[1].points[0].step", equalTo(6)).body("series[1].points[0].value", equalTo(0.25f));
    }

    @Test
    void compareNamesEveryProblem() {
        String a = submit();
        given().header("X-API-Key", "test-key").queryParam("metric", "val_loss").queryParam("runs", a + ",run-ghost-1,run-ghost-2").when().get("/api/compare")
                .then().statusCode(404).body("problems", hasItems("run-ghost-1", "run-ghost-2"));
        given().header("X-API-Key", "test-key").queryParam("metric", "loss").queryParam("runs", a).when().get("/api/compare")
                .then().statusCode(400).body("error", containsString("unknown metric 'loss'"));
        given().header("X-API-Key", "test-key").queryParam("runs", a).when().get("/api/compare").then().statusCode(400).body("error", containsString("metric is required"));
        given().header("X-API-Key", "test-key").queryParam("metric", "val_loss").when().get("/api/compare").then().statusCode(400).body("error", containsString("runs is required"));
        given().header("X-API-Key", "test-key").queryParam("metric", "val_loss").queryParam("runs", a).queryParam("from", 5).queryParam("to", 1)
                .when().get("/api/compare").then().statusCode(400).body("error", containsString("from (5) must not be after to (1)"));
    }

    @Test
    void openApiDocumentsTheNewEndpoints() {
        given().header("X-API-Key", "test-key").accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body("paths.'/api/compare'.get.summary", equalTo("Compare a metric across runs"))
                .body("paths.'/api/runs/{id}/kill'.post.summary", equalTo("Kill a run"))
                .body("paths.'/api/runs/{id}/continue'.post.summary", equalTo("Continue a finished run"));
    }
}
