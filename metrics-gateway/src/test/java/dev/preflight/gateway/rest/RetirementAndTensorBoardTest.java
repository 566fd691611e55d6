package dev.preflight.gateway.rest;

import dev.preflight.gateway.tensorboard.EventFiles;
import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.Topics;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.Event;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The gateway as deployed with a short meter retention and the TensorBoard export on: an ended run's series leave
 * /q/metrics while its history stays, and the event files hold each step once whatever Kafka redelivers.
 */
@QuarkusTest
@TestProfile(RetirementAndTensorBoardTest.Profile.class)
class RetirementAndTensorBoardTest {

    static final Path LOGDIR = Path.of("target/tensorboard-test-" + ProcessHandle.current().pid());

    public static class Profile implements QuarkusTestProfile {
        // Its own broker, declared by the profile (as RebuildAfterRestartTest does): a global resource restarted for a
        // profile is loaded by a different class loader than the application's Kafka classes and fails to link.
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(LocalKafkaTestResource.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            // A short lost-after for LostRunTest, which shares this profile (and so this application and broker).
            return Map.of("preflight.gateway.meter-retention", "2s",
                    "preflight.gateway.tensorboard-dir", LOGDIR.toString(),
                    "preflight.gateway.lost-after", LostRunTest.LOST_AFTER.toSeconds() + "s");
        }
    }

    private static ProducerRecord<String, byte[]> record(String topic, String runId, Object value) {
        return new ProducerRecord<>(topic, runId, Json.encode(value));
    }

    @Test
    void anEndedRunsMetersRetireWhileItsHistoryAndEventFilesRemain() throws Exception {
        String runId = RunIds.newId();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(record(Topics.RUN_EVENTS, runId, new RunEvent(runId, RunEvent.Type.STARTED, 0, null, "t1", System.currentTimeMillis())));
        for (int step : new int[] {1, 2, 3, 3, 4, 5}) { // step 3 redelivered
            records.add(record(Topics.TRAIN_METRICS, runId, new TrainStep(runId, step, 1.0 / step, 0.2, 0.05, 0.15, 16)));
        }
        records.add(record(Topics.VAL_METRICS, runId, new ValStep(runId, 5, 0.75, 0.5, 32)));
        KafkaTestClient.publish(records);

        await().atMost(Duration.ofSeconds(30)).until(() -> {
            String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
            return PrometheusText.has(scrape, "preflight_val_loss", runId) && PrometheusText.has(scrape, "preflight_train_step", runId)
                    && PrometheusText.sample(scrape, "preflight_train_step", runId, "unknown") == 5.0;
        });
        String live = given().get("/q/metrics").then().extract().asString();
        assertEquals(0.25, PrometheusText.sample(live, "preflight_input_bound_ratio", runId, "unknown"), 1e-12);
        assertEquals(true, live.contains("preflight_run_state{experiment=\"none\",model=\"unknown\",run=\"" + runId
                + "\",stage=\"none\",state=\"running\"} 1.0"), live);

        KafkaTestClient.publish(Topics.RUN_EVENTS, runId,
                Json.encode(new RunEvent(runId, RunEvent.Type.FINISHED, 5, "done", "t1", System.currentTimeMillis())));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
            return !scrape.contains("run=\"" + runId + "\"");
        });
        given().get("/api/runs/" + runId + "/history").then().statusCode(200)
                .body("train", hasSize(5)).body("val", hasSize(1));
        given().get("/api/runs/" + runId).then().body("state", equalTo("FINISHED"));

        Path train = LOGDIR.resolve(runId).resolve("train");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.isDirectory(train) && EventFiles.read(train).size() == 6);
        List<Event> events = EventFiles.read(train);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), events.stream().map(Event::getStep).toList(), "each step once, in order");
        assertEquals(1.0f / 3, events.get(3).getSummary().getValueList().stream()
                .filter(v -> v.getTag().equals("loss")).findFirst().orElseThrow().getSimpleValue());
        Path val = LOGDIR.resolve(runId).resolve("val");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.isDirectory(val) && EventFiles.read(val).size() == 2);
        assertFalse(EventFiles.read(val).get(1).getSummary().getValueList().isEmpty());
    }
}
