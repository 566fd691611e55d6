package dev.preflight.gateway.bench;

import dev.preflight.kafka.LocalKafka;
import dev.preflight.wire.Json;
import dev.preflight.wire.Topics;
import dev.preflight.wire.TrainStep;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end from Kafka: a broker holding {@value #RUNS} runs x {@value #STEPS} train steps before the gateway starts
 * (exactly the rebuild-after-restart situation), then the time from the first ingested step to the last, as seen
 * through the REST API (polled every few milliseconds). Prints events/s.
 *
 * <p>Run with {@code ./mvnw -B -pl metrics-gateway -Pbench verify}.
 */
@Tag("bench")
@QuarkusTest
@TestProfile(KafkaIngestBenchmarkTest.Prefilled.class)
class KafkaIngestBenchmarkTest {

    static final int RUNS = 50;
    static final int STEPS = 6_000;

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
            long t0 = System.nanoTime();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                    "linger.ms", "20", "batch.size", "262144", "acks", "1"), new StringSerializer(), new ByteArraySerializer())) {
                for (int step = 1; step <= STEPS; step++) {
                    for (int run = 0; run < RUNS; run++) {
                        String id = "run-kbench-" + run;
                        producer.send(new ProducerRecord<>(Topics.TRAIN_METRICS, id,
                                Json.encode(new TrainStep(id, step, 2.3 / step, 0.01, 0.002, 0.008, 32))));
                    }
                }
                producer.flush();
            }
            System.out.printf("BENCH prefilled %,d train steps in %.1f s%n", RUNS * STEPS, (System.nanoTime() - t0) / 1e9);
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
    void rebuildFromKafka() throws InterruptedException {
        long total = (long) RUNS * STEPS;
        long first = 0;
        long firstCount = 0;
        long deadline = System.nanoTime() + 300_000_000_000L;
        long count = 0;
        while (count < total && System.nanoTime() < deadline) {
            count = ingested();
            if (first == 0 && count > 0) {
                first = System.nanoTime();
                firstCount = count;
            }
            Thread.sleep(5);
        }
        long last = System.nanoTime();
        assertEquals(total, count, "every step ingested");
        assertTrue(first > 0);
        double seconds = (last - first) / 1e9;
        System.out.printf("BENCH %-48s %,d events in %.2f s = %,.0f events/s%n", "Kafka -> gateway (rebuild, end to end)",
                total - firstCount, seconds, (total - firstCount) / seconds);
    }

    /** Steps ingested so far, from the run list (cheap: one summary per run). */
    private static long ingested() {
        List<Integer> steps = JsonPath.from(given().get("/api/runs").asString()).getList("step", Integer.class);
        return steps.stream().filter(s -> s != null).mapToLong(Integer::longValue).sum();
    }
}
