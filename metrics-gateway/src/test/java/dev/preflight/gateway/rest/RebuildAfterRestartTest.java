package dev.preflight.gateway.rest;

import dev.preflight.kafka.LocalKafka;
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
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/**
 * A gateway that starts against topics already holding a run's records (as after a restart, or on a new replica)
 * rebuilds that run from Kafka: its own broker, filled before the application starts.
 */
@QuarkusTest
@TestProfile(RebuildAfterRestartTest.Prefilled.class)
class RebuildAfterRestartTest {

    static final String RUN = "run-before-start";

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
}
