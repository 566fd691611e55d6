package dev.preflight.trainer.messaging;

import dev.preflight.wire.Snapshot;
import dev.preflight.wire.SnapshotCodec;
import dev.preflight.wire.Topics;
import dev.preflight.wire.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checkpoints live in Kafka ({@link Topics#CHECKPOINTS}, compacted, keyed by run id), so any replica can resume any
 * run without shared storage. A checkpoint is the next batch offset plus every variable, encoded as a snapshot.
 */
public final class CheckpointStore {

    /** A run's resumable state: where its batch stream continues and the model's full state after {@code state.step()}. */
    public record Checkpoint(long nextOffset, Snapshot state) {
    }

    private CheckpointStore() {
    }

    public static byte[] encode(Checkpoint c) {
        byte[] snapshot = SnapshotCodec.encode(c.state());
        return ByteBuffer.allocate(8 + snapshot.length).putLong(c.nextOffset()).put(snapshot).array();
    }

    public static Checkpoint decode(byte[] bytes) {
        if (bytes == null || bytes.length < 8) {
            throw new WireFormatException("checkpoint shorter than its offset");
        }
        long offset = ByteBuffer.wrap(bytes).getLong();
        if (offset < 0) {
            throw new WireFormatException("checkpoint offset " + offset + " < 0");
        }
        return new Checkpoint(offset, SnapshotCodec.decode(Arrays.copyOfRange(bytes, 8, bytes.length)));
    }

    /**
     * The latest checkpoint of a run, read from the one partition its key maps to (the producer's default
     * partitioner), start to end. Compaction keeps that partition short.
     */
    public static Optional<Checkpoint> latest(String bootstrap, String runId) {
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            int partitions = c.partitionsFor(Topics.CHECKPOINTS, Duration.ofSeconds(10)).size();
            TopicPartition tp = new TopicPartition(Topics.CHECKPOINTS, BuiltInPartitioner.partitionForKey(key, partitions));
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            byte[] latest = null;
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (Arrays.equals(key, r.key())) {
                        latest = r.value();
                    }
                }
            }
            return Optional.ofNullable(latest).map(CheckpointStore::decode);
        }
    }
}
