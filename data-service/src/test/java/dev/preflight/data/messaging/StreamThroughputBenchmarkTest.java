package dev.preflight.data.messaging;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.service.ShapesGenerator;
import dev.preflight.data.service.TrainBatches;
import dev.preflight.kafka.LocalKafka;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Train-batch throughput against the broker's own producer ceiling, measured in the same JVM, same broker, same
 * record size and the same producer settings: {@code ./mvnw -B -pl data-service verify -Pbench}.
 *
 * <p>"Ours" is the streamer's per-batch path: {@link TrainBatches#batch} (gather 28x28x1 uint8 samples in the epoch
 * order, class counts), {@link BatchCodec#encode}, {@code producer.send} with {@link BatchStreamer#producerConfig}
 * (acks=all, idempotent, linger 2 ms), waiting for the last acknowledgement. The prefetch wait is left out: it only
 * blocks when the trainer is behind, which is not the producer's speed. The ceiling is Kafka's
 * {@code ProducerPerformance} (kafka-tools) sending random payloads of the same size with the same settings. Each side
 * runs twice after a warm-up and its best run counts, which damps noise from whatever else runs on the machine.
 * Only the ratio is asserted (target: at least 50 % of the ceiling), never an absolute time.
 */
@Tag("bench")
class StreamThroughputBenchmarkTest {

    private static final double TARGET = 0.5;
    private static final double MB = 1024 * 1024;
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) records sent, ([0-9.]+) records/sec \\(([0-9.]+) MB/sec\\)");

    record Result(double batchesPerSecond, double mbPerSecond) {
    }

    @Test
    void streamerKeepsUpWithTheBrokersProducerCeiling() throws Exception {
        Dataset mnistSized = ShapesGenerator.generate(7, 4000);
        List<String> report = new ArrayList<>();
        boolean allOnTarget = true;
        try (LocalKafka kafka = LocalKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            for (int batchSize : new int[]{64, 256}) {
                int records = batchSize == 64 ? 3000 : 800;
                TrainBatches batches = TrainBatches.forRun(mnistSized, new DataConfig(1L, 0, batchSize, 0.2));
                int recordSize = BatchCodec.encode(batches.batch(0)).length;
                // Warm-up: JIT and broker log segments, both sides.
                ours(kafka, bootstrap, batches, records / 4, "warm-ours-" + batchSize);
                ceiling(kafka, bootstrap, records / 4, recordSize, "warm-ceiling-" + batchSize);
                Result bestOurs = null;
                Result bestCeiling = null;
                for (int round = 0; round < 2; round++) {
                    Result c = ceiling(kafka, bootstrap, records, recordSize, "ceiling-" + batchSize + "-" + round);
                    Result o = ours(kafka, bootstrap, batches, records, "ours-" + batchSize + "-" + round);
                    bestCeiling = bestCeiling == null || c.mbPerSecond > bestCeiling.mbPerSecond ? c : bestCeiling;
                    bestOurs = bestOurs == null || o.mbPerSecond > bestOurs.mbPerSecond ? o : bestOurs;
                }
                double ratio = bestOurs.mbPerSecond / bestCeiling.mbPerSecond;
                allOnTarget &= ratio >= TARGET;
                report.add(String.format("batch %3d (%,d B/record, %,d records): streamer %.1f batches/s %.1f MB/s | "
                                + "ProducerPerformance %.1f records/s %.1f MB/s | ratio %.0f %% (target >= %.0f %%)",
                        batchSize, recordSize, records, bestOurs.batchesPerSecond, bestOurs.mbPerSecond,
                        bestCeiling.batchesPerSecond, bestCeiling.mbPerSecond, 100 * ratio, 100 * TARGET));
            }
        }
        System.out.println("=== data-service stream throughput (MB = 2^20 bytes) ===");
        report.forEach(System.out::println);
        assertTrue(allOnTarget, "streamer below " + (int) (100 * TARGET) + " % of the producer ceiling:\n" + String.join("\n", report));
    }

    private static void topic(LocalKafka kafka, String name) {
        Topics.ensure(kafka.admin(), List.of(Topics.batchStream(name)));
    }

    static Result ours(LocalKafka kafka, String bootstrap, TrainBatches batches, int records, String runId) throws Exception {
        topic(kafka, runId);
        String topic = Topics.batches(runId);
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        AtomicReference<Exception> failure = new AtomicReference<>();
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(BatchStreamer.producerConfig(bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            Future<RecordMetadata> last = null;
            for (long i = 0; i < records; i++) {
                byte[] value = BatchCodec.encode(batches.batch(i));
                bytes += value.length;
                last = producer.send(new ProducerRecord<>(topic, 0, key, value), (m, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            last.get();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (failure.get() != null) {
                throw failure.get();
            }
            return new Result(records / seconds, bytes / MB / seconds);
        }
    }

    /** Runs ProducerPerformance (by reflection: kafka-tools is only on the bench profile's classpath) and parses its summary. */
    static Result ceiling(LocalKafka kafka, String bootstrap, int records, int recordSize, String runId) throws Exception {
        topic(kafka, runId);
        List<String> args = new ArrayList<>(List.of("--topic", Topics.batches(runId), "--num-records", String.valueOf(records),
                "--record-size", String.valueOf(recordSize), "--throughput", "-1", "--producer-props"));
        for (Map.Entry<String, Object> e : BatchStreamer.producerConfig(bootstrap).entrySet()) {
            args.add(e.getKey() + "=" + e.getValue());
        }
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Class.forName("org.apache.kafka.tools.ProducerPerformance").getMethod("main", String[].class)
                    .invoke(null, (Object) args.toArray(String[]::new));
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        Matcher last = null;
        Matcher m = SUMMARY.matcher(out);
        while (m.find()) {
            last = SUMMARY.matcher(out);
            last.find(m.start());
        }
        if (last == null) {
            throw new IllegalStateException("no ProducerPerformance summary in:\n" + out);
        }
        return new Result(Double.parseDouble(last.group(2)), Double.parseDouble(last.group(3)));
    }
}
