package dev.preflight.trainer;

import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DType;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.Json;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Snapshot;
import dev.preflight.wire.SnapshotCodec;
import dev.preflight.wire.Topics;
import dev.preflight.wire.TrainStep;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer against a real broker. The test plays the data-service: it writes the run's batch stream itself.
 */
@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class TrainerKafkaTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    KafkaProducer<byte[], byte[]> producer;

    @BeforeEach
    void setUp() {
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "max.request.size", Topics.MAX_MESSAGE_BYTES),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void tearDown() {
        producer.close();
    }

    static RunSpec spec(double lr, int steps) {
        return new RunSpec("shapes", new DataConfig(1L, 1, 1, 0.2), new ModelConfig("mlp", 3L, lr, List.of(32)), steps, 1);
    }

    /** One fixed 28x28 sample, repeated: the recipe's "overfit one sample". */
    static Batch oneSample(long index) {
        byte[] pixels = new byte[28 * 28];
        new SplittableRandom(5).nextBytes(pixels);
        return new Batch(index, (int) index, DType.UINT8, new int[]{28, 28, 1}, 4, new int[]{2}, pixels);
    }

    String submit(RunSpec spec, int batches, byte[]... extraBatchRecords) throws Exception {
        String runId = RunIds.newId();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Topics.ensure(admin, List.of(Topics.batchStream(runId)));
        }
        for (byte[] extra : extraBatchRecords) {
            producer.send(new ProducerRecord<>(Topics.batches(runId), extra));
        }
        for (int i = 0; i < batches; i++) {
            producer.send(new ProducerRecord<>(Topics.batches(runId), BatchCodec.encode(oneSample(i))));
        }
        producer.send(new ProducerRecord<>(Topics.RUNS, runId.getBytes(StandardCharsets.UTF_8),
                Json.encode(new RunSubmitted(runId, spec, System.currentTimeMillis())))).get();
        return runId;
    }

    <T> List<T> collect(String topic, java.util.function.Function<byte[], T> decode, Predicate<T> keep, Predicate<List<T>> until) {
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "test-" + UUID.randomUUID(), "auto.offset.reset", "earliest",
                "max.partition.fetch.bytes", Topics.MAX_MESSAGE_BYTES), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!until.test(out) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    T value = decode.apply(r.value());
                    if (keep.test(value)) {
                        out.add(value);
                    }
                }
            }
        }
        return out;
    }

    RunEvent terminalEvent(String runId) {
        List<RunEvent> events = collect(Topics.RUN_EVENTS, RunEvent::decode, e -> e.runId().equals(runId),
                l -> l.stream().anyMatch(RunEvent::terminal));
        return events.stream().filter(RunEvent::terminal).findFirst().orElseThrow(() -> new AssertionError("no terminal event for " + runId));
    }

    @Test
    void overfitsOneSampleAndPublishesEveryStepOnce() throws Exception {
        int steps = 150;
        // A malformed record at the head of the stream must be dead-lettered, not crash or stall the run.
        String runId = submit(spec(3e-3, steps), steps, "not a batch".getBytes(StandardCharsets.UTF_8));

        RunEvent end = terminalEvent(runId);
        assertEquals(RunEvent.Type.FINISHED, end.type(), end.message());
        assertEquals(steps, end.step());

        List<TrainStep> train = collect(Topics.TRAIN_METRICS, TrainStep::decode, s -> s.runId().equals(runId), l -> l.size() >= steps);
        assertEquals(steps, train.size());
        for (int i = 0; i < steps; i++) {
            TrainStep s = train.get(i);
            assertEquals(i + 1, s.step(), "steps in order, each once");
            assertTrue(s.stepSeconds() >= s.dataWaitSeconds() && s.computeSeconds() > 0, s.toString());
        }
        double first = train.get(0).loss();
        double last = train.get(steps - 1).loss();
        assertTrue(Math.abs(first - Math.log(4)) / Math.log(4) < 0.25, "loss at init " + first);
        assertTrue(last < 0.01, "final loss " + last);

        List<Snapshot> snapshots = collect(Topics.SNAPSHOTS, SnapshotCodec::decode, s -> s.runId().equals(runId), l -> l.size() >= steps);
        assertEquals(steps, snapshots.size(), "snapshotEvery=1 publishes every step");
        assertEquals(steps, snapshots.get(steps - 1).step());
        assertEquals(4, snapshots.get(0).variables().size());

        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "dlq-" + UUID.randomUUID(), "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(Topics.DEAD_LETTERS));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (dead.stream().noneMatch(r -> Topics.batches(runId).equals(header(r, "dead-letter-topic"))) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(dead::add);
            }
        }
        ConsumerRecord<byte[], byte[]> letter = dead.stream().filter(r -> Topics.batches(runId).equals(header(r, "dead-letter-topic")))
                .findFirst().orElseThrow(() -> new AssertionError("malformed batch was not dead-lettered"));
        assertTrue(header(letter, "dead-letter-reason").contains("magic"), header(letter, "dead-letter-reason"));
    }

    @Test
    void absurdLearningRateFailsTheRunNamingTheStep() throws Exception {
        String runId = submit(spec(1e30, 50), 50);
        RunEvent end = terminalEvent(runId);
        assertEquals(RunEvent.Type.FAILED, end.type());
        assertTrue(end.message().matches("loss is (NaN|Infinity|-Infinity) at step \\d+.*"), end.message());
        assertTrue(end.message().contains("at step " + end.step()), end.message());
    }

    @Test
    void malformedRunIsDeadLetteredAndTheQueueKeepsGoing() throws Exception {
        producer.send(new ProducerRecord<>(Topics.RUNS, "{\"runId\":\"run-x\"}".getBytes(StandardCharsets.UTF_8))).get();
        String runId = submit(spec(1e-3, 5), 5);
        assertEquals(RunEvent.Type.FINISHED, terminalEvent(runId).type());
        given().get("/api/trainer").then().statusCode(200).body("worker", notNullValue());
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        var h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
