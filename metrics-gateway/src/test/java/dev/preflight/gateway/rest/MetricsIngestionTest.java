package dev.preflight.gateway.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.Topics;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class MetricsIngestionTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int STEPS = 40;

    /** Losses with long, non-terminating binary expansions: a lossy formatter anywhere would change them. */
    private static TrainStep train(String runId, int step) {
        double loss = 2.302585092994046 / step + 0.1 + 0.2;
        return new TrainStep(runId, step, loss, 0.013 * step + 1e-9, 0.001 / 3, 0.012 * step, 32);
    }

    private static ValStep val(String runId, int step) {
        return new ValStep(runId, step, 1.0 / (step + 3), step / (step + 7.0), 64);
    }

    private static ProducerRecord<String, byte[]> record(String topic, String runId, Object value) {
        return new ProducerRecord<>(topic, runId, Json.encode(value));
    }

    @Test
    void outOfOrderAndRedeliveredStepsBecomeAnExactOrderedHistory() throws Exception {
        String runId = RunIds.newId();
        List<Integer> order = new ArrayList<>(IntStream.rangeClosed(1, STEPS).boxed().toList());
        Collections.shuffle(order, new Random(42));
        order.add(order.size() / 2, 7); // a redelivery of step 7 in the middle of the stream

        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(record(Topics.RUN_EVENTS, runId, new RunEvent(runId, RunEvent.Type.STARTED, 0, null, "trainer-a", 1L)));
        order.forEach(step -> records.add(record(Topics.TRAIN_METRICS, runId, train(runId, step))));
        for (int step = 10; step <= STEPS; step += 10) {
            records.add(record(Topics.VAL_METRICS, runId, val(runId, step)));
        }
        records.add(record(Topics.RUN_EVENTS, runId,
                new RunEvent(runId, RunEvent.Type.FINISHED, STEPS, "final loss 0.36", "trainer-a", 2L)));
        KafkaTestClient.publish(records);

        await().atMost(WAIT).untilAsserted(() -> given().when().get("/api/runs/" + runId).then()
                .statusCode(200)
                .body("state", equalTo("FINISHED"))
                .body("step", equalTo(STEPS))
                .body("valStep", equalTo(STEPS)));
        await().atMost(WAIT).untilAsserted(() -> given().when().get("/api/runs/" + runId + "/history").then()
                .statusCode(200)
                .body("train", hasSize(STEPS))
                .body("val", hasSize(STEPS / 10)));

        // Parsed with the strict wire codec: the served steps must be the published records, field for field, bit for bit.
        JsonNode history = Json.MAPPER.readTree(given().when().get("/api/runs/" + runId + "/history").asString());
        assertEquals(runId, history.get("runId").asText());
        TrainStep[] served = Json.MAPPER.treeToValue(history.get("train"), TrainStep[].class);
        assertArrayEquals(IntStream.rangeClosed(1, STEPS).mapToObj(s -> train(runId, s)).toArray(), served);
        for (TrainStep s : served) {
            assertEquals(Double.doubleToRawLongBits(train(runId, s.step()).loss()), Double.doubleToRawLongBits(s.loss()));
        }
        ValStep[] servedVal = Json.MAPPER.treeToValue(history.get("val"), ValStep[].class);
        assertArrayEquals(IntStream.of(10, 20, 30, 40).mapToObj(s -> val(runId, s)).toArray(), servedVal);

        given().when().get("/api/runs/" + runId).then()
                .body("message", equalTo("final loss 0.36"))
                .body("worker", equalTo("trainer-a"))
                .body("spec", nullValue());

        assertMetricQueries(runId);
        assertPrometheus(runId);
    }

    private void assertMetricQueries(String runId) throws Exception {
        JsonNode loss = Json.MAPPER.readTree(given().queryParam("metric", "train_loss").queryParam("from", 5).queryParam("to", 8)
                .when().get("/api/runs/" + runId + "/history").then().statusCode(200).extract().asString());
        assertEquals("train_loss", loss.get("metric").asText());
        assertEquals(4, loss.get("points").size());
        for (int i = 0; i < 4; i++) {
            JsonNode point = loss.get("points").get(i);
            assertEquals(5 + i, point.get("step").asInt());
            assertEquals(train(runId, 5 + i).loss(), point.get("value").doubleValue());
        }

        JsonNode acc = Json.MAPPER.readTree(given().queryParam("metric", "val_accuracy").queryParam("from", 15)
                .when().get("/api/runs/" + runId + "/history").then().statusCode(200).extract().asString());
        assertEquals(List.of(20, 30, 40), acc.get("points").findValuesAsText("step").stream().map(Integer::valueOf).toList());
        assertEquals(val(runId, 30).valAccuracy(), acc.get("points").get(1).get("value").doubleValue());

        JsonNode window = Json.MAPPER.readTree(given().queryParam("from", 9).queryParam("to", 11)
                .when().get("/api/runs/" + runId + "/history").then().statusCode(200).extract().asString());
        assertEquals(3, window.get("train").size());
        assertEquals(1, window.get("val").size());

        given().queryParam("metric", "accuracy").when().get("/api/runs/" + runId + "/history").then()
                .statusCode(400).contentType(ContentType.JSON)
                .body("error", containsString("unknown metric 'accuracy'"))
                .body("error", containsString("train_loss"))
                .body("error", containsString("val_accuracy"));
        given().queryParam("from", 9).queryParam("to", 3).when().get("/api/runs/" + runId + "/history").then()
                .statusCode(400).body("error", containsString("from (9) must not be after to (3)"));
        given().queryParam("from", "nine").when().get("/api/runs/" + runId + "/history").then()
                .statusCode(400).body("error", containsString("from must be an integer"));
    }

    private void assertPrometheus(String runId) {
        String scrape = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        // Not seen submitted: the meters are tagged with the placeholder model.
        assertEquals(train(runId, STEPS).loss(), PrometheusText.sample(scrape, "preflight_train_loss", runId, "unknown"));
        assertEquals(STEPS, PrometheusText.sample(scrape, "preflight_train_steps_total", runId, "unknown"), "redelivery counted once");
        assertEquals(STEPS, PrometheusText.sample(scrape, "preflight_train_step", runId, "unknown"));
        assertEquals(train(runId, STEPS).stepSeconds(), PrometheusText.sample(scrape, "preflight_step_seconds", runId, "unknown"));
        assertEquals(train(runId, STEPS).dataWaitSeconds(), PrometheusText.sample(scrape, "preflight_data_wait_seconds", runId, "unknown"));
        assertEquals(train(runId, STEPS).computeSeconds(), PrometheusText.sample(scrape, "preflight_compute_seconds", runId, "unknown"));
        assertEquals(train(runId, STEPS).samplesPerSecond(), PrometheusText.sample(scrape, "preflight_samples_per_second", runId, "unknown"));
        assertEquals(val(runId, STEPS).valLoss(), PrometheusText.sample(scrape, "preflight_val_loss", runId, "unknown"));
        assertEquals(val(runId, STEPS).valAccuracy(), PrometheusText.sample(scrape, "preflight_val_accuracy", runId, "unknown"));
    }

    @Test
    void aMalformedRecordIsDeadLetteredAndConsumptionGoesOn() {
        String runId = RunIds.newId();
        byte[] garbage = ("{not a train step " + runId).getBytes(StandardCharsets.UTF_8);
        KafkaTestClient.publish(List.of(
                new ProducerRecord<>(Topics.TRAIN_METRICS, runId, garbage),
                record(Topics.TRAIN_METRICS, runId, train(runId, 1))));

        ConsumerRecord<String, byte[]> dead = KafkaTestClient.awaitRecord(Topics.DEAD_LETTERS,
                r -> Arrays.equals(garbage, r.value()));
        Header reason = dead.headers().lastHeader("dead-letter-reason");
        assertNotNull(reason, "dead letter carries its reason");
        String text = new String(reason.value(), StandardCharsets.UTF_8);
        assertTrue(text.contains("TrainStep"), text);
        assertEquals(runId, dead.key());

        // Same key, same partition, published after the garbage: it is only processed if consumption went on.
        await().atMost(WAIT).untilAsserted(() -> given().when().get("/api/runs/" + runId + "/history").then()
                .statusCode(200).body("train", hasSize(1)).body("train[0].step", equalTo(1)));
    }

    @Test
    void aRecordWithAMalformedRunIdIsDeadLetteredNotStored() {
        TrainStep bad = new TrainStep("Run With Spaces", 1, 1.0, 1.0, 0.0, 1.0, 1);
        KafkaTestClient.publish(Topics.TRAIN_METRICS, "Run With Spaces", Json.encode(bad));
        ConsumerRecord<String, byte[]> dead = KafkaTestClient.awaitRecord(Topics.DEAD_LETTERS,
                r -> "Run With Spaces".equals(r.key()));
        assertTrue(new String(dead.headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8).contains("runId"));
        String list = given().when().get("/api/runs").then().statusCode(200).extract().asString();
        assertFalse(list.contains("Run With Spaces"));
    }
}
