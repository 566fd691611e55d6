package dev.preflight.eval;

import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.nn.Classifier;
import dev.preflight.nn.Mlp;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.Snapshot;
import dev.preflight.wire.SnapshotCodec;
import dev.preflight.wire.Topics;
import dev.preflight.wire.ValStep;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class EvalKafkaTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    static final RunSpec SPEC = new RunSpec("shapes", new DataConfig(11L, 0, 32, 0.2),
            new ModelConfig("mlp", 5L, 1e-3, List.of(16)), 10, 1);

    List<ConsumerRecord<byte[], byte[]>> collect(String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> until) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "test-" + UUID.randomUUID(), "auto.offset.reset", "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!until.test(out) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    @Test
    void evaluatesASnapshotOnARandomValBatchWithExactNumbers() throws Exception {
        String runId = RunIds.newId();
        int step = 7;
        try (Mlp model = new Mlp(28 * 28, new int[]{16}, 4, 5);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            // Garbage first: it must be dead-lettered and must not stop the valid snapshot behind it.
            producer.send(new ProducerRecord<>(Topics.SNAPSHOTS, runId.getBytes(StandardCharsets.UTF_8), "junk".getBytes(StandardCharsets.UTF_8)));
            Snapshot s = new Snapshot(runId, step, SPEC, new int[]{28, 28, 1}, 4, model.parameters());
            producer.send(new ProducerRecord<>(Topics.SNAPSHOTS, runId.getBytes(StandardCharsets.UTF_8), SnapshotCodec.encode(s))).get();

            List<ValStep> vals = collect(Topics.VAL_METRICS, l -> l.stream().map(r -> ValStep.decode(r.value())).anyMatch(v -> v.runId().equals(runId)))
                    .stream().map(r -> ValStep.decode(r.value())).filter(v -> v.runId().equals(runId)).toList();
            assertEquals(1, vals.size());
            ValStep v = vals.get(0);
            assertEquals(step, v.step(), "val carries the train step it validated");
            assertEquals(64, v.batchSize());

            Batch expected = FakeDataServiceResource.batch(64, dev.preflight.eval.service.Evaluator.sampleSeed(11L, step));
            Classifier.Evaluation e = model.evaluate(expected.features(), expected.labels());
            assertEquals(e.loss(), v.valLoss(), 0.0, "val loss recomputed on the same batch and weights");
            assertEquals(e.accuracy(expected.labels()), v.valAccuracy(), 0.0);
        }

        List<ConsumerRecord<byte[], byte[]>> dead = collect(Topics.DEAD_LETTERS, l -> l.stream().anyMatch(r -> isSnapshotLetter(r, runId)));
        ConsumerRecord<byte[], byte[]> letter = dead.stream().filter(r -> isSnapshotLetter(r, runId)).findFirst()
                .orElseThrow(() -> new AssertionError("junk snapshot not dead-lettered"));
        assertTrue(new String(letter.headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8).contains("snapshot"));

        given().get("/q/metrics").then().statusCode(200).body(containsString("preflight_eval_snapshots_evaluated_total"));
    }

    static boolean isSnapshotLetter(ConsumerRecord<byte[], byte[]> r, String runId) {
        return r.key() != null && runId.equals(new String(r.key(), StandardCharsets.UTF_8))
                && r.headers().lastHeader("dead-letter-reason") != null;
    }
}
