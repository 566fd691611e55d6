package dev.preflight.data.it;

import dev.preflight.data.messaging.BatchStreamer;
import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The train stream against a real broker: the test plays the submitter and the trainer. */
@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class BatchStreamTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @ConfigProperty(name = "preflight.data.max-batches-ahead")
    int maxAhead;

    @Inject
    BatchStreamer streamer;

    private static void submit(RunSubmitted run) {
        KafkaTestClients.send(Topics.RUNS, run.runId(), Json.encode(run));
    }

    private static long endOffset(KafkaConsumer<?, ?> consumer, TopicPartition tp) {
        return consumer.endOffsets(List.of(tp)).get(tp);
    }

    /** Polls (committing after every poll, like the trainer) until {@code count} records arrived in total. */
    private static void consume(KafkaConsumer<String, byte[]> consumer, List<ConsumerRecord<String, byte[]>> into,
                                int count, boolean commit) {
        await().atMost(TIMEOUT).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                into.add(r);
            }
            if (commit && !into.isEmpty()) {
                TopicPartition tp = new TopicPartition(into.get(0).topic(), 0);
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(into.get(into.size() - 1).offset() + 1)));
            }
            return into.size() >= count;
        });
    }

    @Test
    void streamsEveryStepButNeverMoreThanMaxAheadOfTheTrainer() {
        int steps = 12;
        RunSubmitted run = KafkaTestClients.run(1, 8, steps);
        submit(run);
        TopicPartition tp = new TopicPartition(Topics.batches(run.runId()), 0);

        try (KafkaConsumer<String, byte[]> trainer = KafkaTestClients.trainerConsumer(run.runId())) {
            KafkaTestClients.awaitTopic(tp.topic());
            trainer.assign(List.of(tp));
            List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();

            // Reading without committing is no progress: the service must stop at max-batches-ahead and stay there.
            consume(trainer, received, maxAhead, false);
            await().pollInSameThread().during(Duration.ofMillis(750)).atMost(TIMEOUT)
                    .until(() -> endOffset(trainer, tp) == maxAhead);
            assertEquals(maxAhead, received.size());

            // Committing lets the rest through.
            consume(trainer, received, steps, true);
            assertEquals(steps, received.size());
            byte[] onlySample = null;
            for (int i = 0; i < steps; i++) {
                ConsumerRecord<String, byte[]> record = received.get(i);
                Batch batch = BatchCodec.decode(record.value());
                assertEquals(i, record.offset(), "offset equals batch index");
                assertEquals(i, batch.index());
                assertEquals(i, batch.epoch(), "a one-sample subset makes every batch an epoch");
                assertEquals(run.runId(), record.key());
                assertEquals(1, batch.size(), "batch size is capped at the subset size");
                onlySample = onlySample == null ? batch.data() : onlySample;
                assertArrayEquals(onlySample, batch.data(), "the same sample every time");
            }
            await().atMost(TIMEOUT).until(() -> !streamer.isStreaming(run.runId()));
            assertEquals(steps, endOffset(trainer, tp), "nothing after the last step");
        }

        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("preflight_data_batches_produced_total{run=\"" + run.runId() + "\"} 12.0"))
                .body(containsString("preflight_data_bytes_produced_total{run=\"" + run.runId() + "\"}"));
    }

    @Test
    void fullTrainSplitInFullBatchesIsReproducible() {
        // 400 samples, valFraction 0.2: 320 train samples, so 12 batches of 32 straddle an epoch boundary.
        int steps = 12;
        RunSubmitted first = KafkaTestClients.run(0, 32, steps);
        RunSubmitted second = new RunSubmitted(first.runId() + "b", first.spec(), first.submittedAtMs());
        submit(first);
        submit(second);
        List<ConsumerRecord<String, byte[]>> a = new ArrayList<>();
        List<ConsumerRecord<String, byte[]>> b = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> ta = KafkaTestClients.trainerConsumer(first.runId());
             KafkaConsumer<String, byte[]> tb = KafkaTestClients.trainerConsumer(second.runId())) {
            KafkaTestClients.awaitTopic(Topics.batches(first.runId()));
            KafkaTestClients.awaitTopic(Topics.batches(second.runId()));
            ta.assign(List.of(new TopicPartition(Topics.batches(first.runId()), 0)));
            tb.assign(List.of(new TopicPartition(Topics.batches(second.runId()), 0)));
            consume(ta, a, steps, true);
            consume(tb, b, steps, true);
        }
        for (int i = 0; i < steps; i++) {
            Batch batch = BatchCodec.decode(a.get(i).value());
            assertEquals(i, batch.index());
            assertEquals(32, batch.size());
            assertEquals(i * 32 / 320, batch.epoch());
            assertArrayEquals(a.get(i).value(), b.get(i).value(), "same spec, same bytes: batch " + i);
        }
    }

    @Test
    void finishedEventStopsTheStream() {
        RunSubmitted run = KafkaTestClients.run(0, 4, 1_000);
        submit(run);
        TopicPartition tp = new TopicPartition(Topics.batches(run.runId()), 0);
        try (KafkaConsumer<String, byte[]> trainer = KafkaTestClients.trainerConsumer(run.runId())) {
            KafkaTestClients.awaitTopic(tp.topic());
            trainer.assign(List.of(tp));
            await().atMost(TIMEOUT).pollInSameThread().until(() -> endOffset(trainer, tp) == maxAhead);

            RunEvent finished = new RunEvent(run.runId(), RunEvent.Type.FINISHED, 2, "loss 0.1", "test", System.currentTimeMillis());
            KafkaTestClients.send(Topics.RUN_EVENTS, run.runId(), Json.encode(finished));
            await().atMost(TIMEOUT).until(() -> !streamer.isStreaming(run.runId()));

            // Progress after the end must not revive the stream.
            trainer.commitSync(Map.of(tp, new OffsetAndMetadata(maxAhead)));
            await().pollInSameThread().during(Duration.ofMillis(500)).atMost(TIMEOUT)
                    .until(() -> endOffset(trainer, tp) == maxAhead);
        }
    }
}
