package dev.preflight.data.it;

import dev.preflight.data.messaging.BatchStreamer;
import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A trainer that makes no progress for the stall timeout loses its stream; when the run is STARTED (a trainer took
 * it from the queue) the stream resumes at the batch it stopped at, so offsets still equal batch indices.
 */
@QuarkusTest
@TestProfile(StallTimeoutTest.ShortStall.class)
@QuarkusTestResource(LocalKafkaTestResource.class)
class StallTimeoutTest {

    public static class ShortStall implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("preflight.data.stall-timeout", "1s");
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject
    BatchStreamer streamer;

    @Test
    void stalledStreamIsAbandonedAndResumesWhenTheRunStarts() {
        int steps = 10;
        RunSubmitted run = KafkaTestClients.run(0, 8, steps);
        KafkaTestClients.send(Topics.RUNS, run.runId(), Json.encode(run));
        TopicPartition tp = new TopicPartition(Topics.batches(run.runId()), 0);
        KafkaTestClients.awaitTopic(tp.topic());

        try (KafkaConsumer<String, byte[]> trainer = KafkaTestClients.trainerConsumer(run.runId())) {
            trainer.assign(List.of(tp));
            await().atMost(TIMEOUT).until(() -> !streamer.isStreaming(run.runId())
                    && trainer.endOffsets(List.of(tp)).get(tp) == 4);

            RunEvent started = new RunEvent(run.runId(), RunEvent.Type.STARTED, 0, null, "trainer-1", System.currentTimeMillis());
            KafkaTestClients.send(Topics.RUN_EVENTS, run.runId(), Json.encode(started));

            List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();
            await().atMost(TIMEOUT).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                trainer.poll(Duration.ofMillis(100)).forEach(received::add);
                if (!received.isEmpty()) {
                    trainer.commitSync(Map.of(tp, new OffsetAndMetadata(received.get(received.size() - 1).offset() + 1)));
                }
                return received.size() >= steps;
            });
            assertEquals(steps, received.size());
            for (int i = 0; i < steps; i++) {
                assertEquals(i, received.get(i).offset());
                assertEquals(i, BatchCodec.decode(received.get(i).value()).index(), "no batch repeated or skipped on resume");
            }
        }
    }
}
