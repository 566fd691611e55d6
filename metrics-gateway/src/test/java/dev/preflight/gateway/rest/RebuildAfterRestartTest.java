package dev.preflight.gateway.rest;

import dev.preflight.gateway.model.ExperimentRecord;
import dev.preflight.gateway.model.ExperimentRequest;
import dev.preflight.gateway.model.ExperimentState;
import dev.preflight.kafka.LocalKafka;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.StageResult;
import dev.preflight.recipe.Verdict;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.Json;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import dev.preflight.wire.TrainStep;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/**
 * A gateway that starts against topics already holding a run's records (as after a restart, or on a new replica)
 * rebuilds that run from Kafka: its own broker, filled before the application starts. Likewise its experiments: one
 * an earlier gateway process finished, one it was climbing when it died (INTERRUPTED, at its stage), and a malformed
 * record (dead-lettered with the reason).
 */
@QuarkusTest
@TestProfile(RebuildAfterRestartTest.Prefilled.class)
class RebuildAfterRestartTest {

    static final String RUN = "run-before-start";
    static final String DONE_EXPERIMENT = "exp-done-before";
    static final String CLIMBING_EXPERIMENT = "exp-climbing-before";
    static final String HTML = "<html><body>the report</body></html>";

    static ExperimentRequest request() {
        return new ExperimentRequest("shapes", new ModelConfig("mlp", 7L, 1e-3, List.of(64)), null, null, null, null, null, null, null, null, null);
    }

    static StageResult judged(String name, Verdict verdict) {
        return new StageResult(name, verdict, Map.of("finalLoss", 0.004), name + " " + verdict, List.of("run-a"), List.of("finding"));
    }

    public static class Prefilled implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(PrefilledKafka.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    public static class PrefilledKafka implements QuarkusTestResourceLifecycleManager {
        private LocalKafka kafka;

        @Override
        public Map<String, String> start() {
            kafka = LocalKafka.start();
            RunSpec spec = new RunSpec("shapes", new DataConfig(1L, 0, 32, 0.2), new ModelConfig("mlp", 7L, 1e-3, List.of(64)), 3, null);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                    new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(Topics.RUNS, RUN, Json.encode(new RunSubmitted(RUN, spec, 1234L))));
                for (int step = 1; step <= 3; step++) {
                    producer.send(new ProducerRecord<>(Topics.TRAIN_METRICS, RUN,
                            Json.encode(new TrainStep(RUN, step, 1.0 / step, 0.1, 0.01, 0.09, 32))));
                }
                producer.send(new ProducerRecord<>(Topics.RUN_EVENTS, RUN,
                        Json.encode(new RunEvent(RUN, RunEvent.Type.FAILED, 3, "loss is NaN", "trainer-x", 99L))));
                List<StageResult> stages = List.of(judged("data-check", Verdict.PASS), judged("init-check", Verdict.WARN));
                // An earlier gateway process: one experiment it finished, then one it was climbing when it died.
                producer.send(new ProducerRecord<>(Topics.EXPERIMENTS, CLIMBING_EXPERIMENT, Json.encode(new ExperimentRecord(
                        CLIMBING_EXPERIMENT, ExperimentState.RUNNING, "gateway-old", request(), "data-check", List.of(), null, null,
                        null, 2000L, 2001L))));
                producer.send(new ProducerRecord<>(Topics.EXPERIMENTS, DONE_EXPERIMENT, Json.encode(new ExperimentRecord(
                        DONE_EXPERIMENT, ExperimentState.DONE, "gateway-old", request(), null, stages,
                        new Report("shapes", "mlp", stages, 1500L), HTML, null, 1000L, 1500L))));
                producer.send(new ProducerRecord<>(Topics.EXPERIMENTS, CLIMBING_EXPERIMENT, Json.encode(new ExperimentRecord(
                        CLIMBING_EXPERIMENT, ExperimentState.RUNNING, "gateway-old", request(), "overfit-one-sample", stages,
                        null, null, null, 2000L, 2600L))));
                producer.send(new ProducerRecord<>(Topics.EXPERIMENTS, "exp-garbled", "{\"experimentId\": 1}".getBytes()));
                producer.flush();
            }
            return Map.of("kafka.bootstrap.servers", kafka.bootstrapServers());
        }

        @Override
        public void stop() {
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    @Test
    void historyPublishedBeforeStartIsRebuilt() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().when().get("/api/runs/" + RUN).then()
                .statusCode(200)
                .body("state", equalTo("FAILED"))
                .body("message", equalTo("loss is NaN"))
                .body("submittedAtMs", equalTo(1234))
                .body("step", equalTo(3)));
        given().when().get("/api/runs/" + RUN + "/history").then().statusCode(200)
                .body("train", hasSize(3))
                .body("train.step", contains(1, 2, 3));
    }

    @Test
    void experimentsOfAnEarlierGatewayAreRebuiltAndAnOrphanedLadderIsMarkedInterrupted() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().when().get("/api/experiments/" + CLIMBING_EXPERIMENT)
                .then().statusCode(200)
                .body("state", equalTo("INTERRUPTED"))
                .body("stage", equalTo("overfit-one-sample"))
                .body("stages.name", contains("data-check", "init-check"))
                .body("error", containsString("gateway gateway-old stopped while climbing stage 'overfit-one-sample'")));
        // Not a report of a ladder that never finished: 409 naming why.
        given().when().get("/api/experiments/" + CLIMBING_EXPERIMENT + "/report.json").then().statusCode(409)
                .body("error", containsString("INTERRUPTED"));
        // The mark is on the topic, so the next start reads it as INTERRUPTED (not as an orphan again).
        ConsumerRecord<String, byte[]> mark = KafkaTestClient.awaitRecord(Topics.EXPERIMENTS, r -> CLIMBING_EXPERIMENT.equals(r.key())
                && ExperimentRecord.decode(r.value()).state() == ExperimentState.INTERRUPTED);
        ExperimentRecord marked = ExperimentRecord.decode(mark.value());
        assertEquals("overfit-one-sample", marked.stage());
        assertEquals(2, marked.stages().size());
        assertEquals("gateway-old", marked.gateway(), "names the gateway that was climbing it");

        given().when().get("/api/experiments/" + DONE_EXPERIMENT).then().statusCode(200)
                .body("state", equalTo("DONE"))
                .body("verdict", equalTo("WARN"))
                .body("stages.evidence.finalLoss", contains(0.004f, 0.004f));
        given().when().get("/api/experiments/" + DONE_EXPERIMENT + "/report.json").then().statusCode(200)
                .body("stages.verdict", contains("PASS", "WARN"))
                .body("stages[0].findings", contains("finding"));
        assertEquals(HTML, given().when().get("/api/experiments/" + DONE_EXPERIMENT + "/report.html").then().statusCode(200)
                .extract().asString());
        // Newest first.
        given().when().get("/api/experiments").then().statusCode(200)
                .body("experimentId", contains(CLIMBING_EXPERIMENT, DONE_EXPERIMENT));

        ConsumerRecord<String, byte[]> dead = KafkaTestClient.awaitRecord(Topics.DEAD_LETTERS, r -> "exp-garbled".equals(r.key()));
        assertTrue(new String(dead.headers().lastHeader("dead-letter-reason").value()).contains("ExperimentRecord"),
                "the dead letter names the problem");
    }
}
