package dev.preflight.data.it;

import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunCommand;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad submissions are dead-lettered with their reason, and the service keeps consuming after them. */
@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class DeadLetterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Waits for the dead letter with this key and returns its reason header. */
    private static String deadLetterReason(String key, byte[] originalValue) {
        TopicPartition tp = new TopicPartition(Topics.DEAD_LETTERS, 0);
        AtomicReference<String> reason = new AtomicReference<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaTestClients.consumer("dlq-reader-" + UUID.randomUUID())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            await().atMost(TIMEOUT).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (key.equals(r.key())) {
                        assertArrayEquals(originalValue, r.value(), "the dead letter carries the original bytes");
                        Header h = r.headers().lastHeader("dead-letter-reason");
                        reason.set(h == null ? "<no dead-letter-reason header>" : new String(h.value(), StandardCharsets.UTF_8));
                    }
                }
                return reason.get() != null;
            });
        }
        return reason.get();
    }

    private static void assertReasonMentions(String reason, String expected) {
        assertTrue(reason.contains(expected), "dead-letter-reason '" + reason + "' should mention '" + expected + "'");
    }

    @Test
    void garbageIsDeadLetteredWithTheDecodeError() {
        String key = "garbage-" + UUID.randomUUID();
        byte[] garbage = {0x00, (byte) 0xFF, 'n', 'o', 't', ' ', 'j', 's', 'o', 'n'};
        KafkaTestClients.send(Topics.RUNS, key, garbage);
        assertReasonMentions(deadLetterReason(key, garbage), "RunSubmitted");
    }

    @Test
    void invalidSpecIsDeadLetteredNamingTheField() {
        RunSubmitted valid = KafkaTestClients.run(1, 1, 5);
        RunSpec s = valid.spec();
        RunSubmitted invalid = new RunSubmitted(valid.runId(), new RunSpec(s.dataset(), s.data(), s.model(), 0, null), 1L);
        byte[] value = Json.encode(invalid);
        KafkaTestClients.send(Topics.RUNS, invalid.runId(), value);
        assertReasonMentions(deadLetterReason(invalid.runId(), value), "steps");
    }

    @Test
    void registrationRecordsThisReplicaCannotUseAreDeadLetteredAndConsumptionGoesOn() {
        String id = "dl" + Long.toString(System.nanoTime(), 36);
        byte[] garbage = {'{', 'n', 'o', 't'};
        KafkaTestClients.send(Topics.DATASETS, id + "-garbage", garbage);
        assertReasonMentions(deadLetterReason(id + "-garbage", garbage), "Registration");
        // Decodes, but its files are not on this replica: dead-lettered with the loader's reason, the service stays up.
        byte[] missing = ("{\"name\":\"" + id + "-gone\",\"format\":\"idx\",\"path\":\"" + id + "/nowhere\"}")
                .getBytes(StandardCharsets.UTF_8);
        KafkaTestClients.send(Topics.DATASETS, id + "-gone", missing);
        String reason = deadLetterReason(id + "-gone", missing);
        assertReasonMentions(reason, "cannot be loaded on this replica");
        assertReasonMentions(reason, "nowhere");
        byte[] builtIn = "{\"name\":\"shapes\",\"format\":\"idx\",\"path\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        KafkaTestClients.send(Topics.DATASETS, id + "-shapes", builtIn);
        assertReasonMentions(deadLetterReason(id + "-shapes", builtIn), "built-in");
    }

    @Test
    void unstreamableRunsAreDeadLetteredWithTheReason() {
        RunSubmitted base = KafkaTestClients.run(1, 1, 5);
        RunSpec s = base.spec();

        RunSubmitted unknownDataset = new RunSubmitted(base.runId() + "-u", new RunSpec("mnist-typo", s.data(), s.model(), 5, null), 1L);
        byte[] v1 = Json.encode(unknownDataset);
        KafkaTestClients.send(Topics.RUNS, unknownDataset.runId(), v1);
        assertReasonMentions(deadLetterReason(unknownDataset.runId(), v1), "mnist-typo");

        DataConfig tooMany = new DataConfig(1L, 100_000, 8, 0.2);
        RunSubmitted bigSubset = new RunSubmitted(base.runId() + "-s", new RunSpec("shapes", tooMany, s.model(), 5, null), 1L);
        byte[] v2 = Json.encode(bigSubset);
        KafkaTestClients.send(Topics.RUNS, bigSubset.runId(), v2);
        assertReasonMentions(deadLetterReason(bigSubset.runId(), v2), "subsetSize");
    }

    /** The first record keyed {@code key} on {@code topic} (read from the start), decoded. */
    private static <T> T awaitKeyed(String topic, String key, java.util.function.Function<byte[], T> decode) {
        AtomicReference<T> found = new AtomicReference<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaTestClients.consumer("reader-" + UUID.randomUUID())) {
            consumer.subscribe(List.of(topic));
            await().atMost(TIMEOUT).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (key.equals(r.key()) && found.get() == null) {
                        found.set(decode.apply(r.value()));
                    }
                }
                return found.get() != null;
            });
        }
        return found.get();
    }

    @Test
    void aRefusedRunEndsAtOnceFailedWithTheReasonAndItsTrainerIsToldToStop() {
        RunSubmitted base = KafkaTestClients.run(1, 1, 5);
        RunSpec s = base.spec();
        RunSubmitted unknownDataset = new RunSubmitted(base.runId() + "-r", new RunSpec("mnist-typo", s.data(), s.model(), 5, null), 1L);
        long sentAtMs = System.currentTimeMillis();
        KafkaTestClients.send(Topics.RUNS, unknownDataset.runId(), Json.encode(unknownDataset));

        // The gateway's view: the run is FAILED, by the data-service, with the reason that names the dataset.
        RunEvent end = awaitKeyed(Topics.RUN_EVENTS, unknownDataset.runId(), RunEvent::decode);
        assertEquals(RunEvent.Type.FAILED, end.type());
        assertEquals("data-service", end.worker());
        assertEquals(0, end.step());
        assertReasonMentions(end.message(), "cannot stream this run: unknown dataset 'mnist-typo', known datasets: [");
        System.out.println("refused within " + (end.atMs() - sentAtMs) + " ms of the submission");
        // The trainer's view: FAIL with the same reason, so whichever replica holds or takes the run stops waiting.
        RunCommand command = awaitKeyed(Topics.CONTROL, unknownDataset.runId(), RunCommand::decode);
        assertEquals(RunCommand.Type.FAIL, command.type());
        assertEquals(end.message(), command.reason());
        // And the submission is still dead-lettered, as before, with the original bytes.
        assertReasonMentions(deadLetterReason(unknownDataset.runId(), Json.encode(unknownDataset)), "mnist-typo");
    }

    @Test
    void serviceKeepsConsumingAfterADeadLetter() {
        String key = "garbage-" + UUID.randomUUID();
        byte[] garbage = "{\"runId\": ".getBytes(StandardCharsets.UTF_8);
        KafkaTestClients.send(Topics.RUNS, key, garbage);
        deadLetterReason(key, garbage);

        RunSubmitted run = KafkaTestClients.run(2, 2, 3);
        KafkaTestClients.send(Topics.RUNS, run.runId(), Json.encode(run));
        TopicPartition tp = new TopicPartition(Topics.batches(run.runId()), 0);
        List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> trainer = KafkaTestClients.trainerConsumer(run.runId())) {
            KafkaTestClients.awaitTopic(tp.topic());
            trainer.assign(List.of(tp));
            await().atMost(TIMEOUT).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                trainer.poll(Duration.ofMillis(100)).forEach(received::add);
                return received.size() >= 3;
            });
        }
        assertEquals(3, received.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, BatchCodec.decode(received.get(i).value()).index());
        }
    }
}
