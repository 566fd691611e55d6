package dev.preflight.trainer.messaging;

import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.Topics;
import dev.preflight.wire.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * A run's train batches, read from its single-partition topic. Progress is committed in the run's trainer group:
 * the data-service reads that offset to stay a bounded number of batches ahead, and a restarted trainer resumes
 * from it. Malformed records are dead-lettered and skipped.
 */
public final class BatchStream implements AutoCloseable {

    /**
     * A decoded batch and the offset to commit once it has been trained on.
     *
     * @param decodeNanos time spent decoding the record (the trainer reports it apart from the data wait)
     */
    public record Consumed(Batch batch, long nextOffset, long decodeNanos) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition partition;
    private final TrainerProducer producer;
    private final Deque<ConsumerRecord<byte[], byte[]>> buffered = new ArrayDeque<>();
    private int deadLettered;
    private long lastCommit = -1;
    private long lastSent = -1;
    private long lastSentNanos = System.nanoTime();
    /** Send a commit at least every this many batches ... */
    static final int COMMIT_EVERY = 4;
    /** ... or this often, so a slow run's progress still shows promptly. */
    static final long COMMIT_AFTER_MS = 200;

    public BatchStream(String bootstrap, String runId, TrainerProducer producer) {
        this.producer = producer;
        this.partition = new TopicPartition(Topics.batches(runId), 0);
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, Topics.trainerGroup(runId),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES,
                // Answer as soon as one batch is there: the trainer is waiting for exactly one.
                ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        // assign, not subscribe: one reader per run, positioned by the committed offset (or the start).
        consumer.assign(List.of(partition));
    }

    /** Replays from {@code offset}: a resumed run continues exactly where its checkpoint left the stream. */
    public void seek(long offset) {
        buffered.clear();
        consumer.seek(partition, offset);
    }

    /**
     * Blocks until the next well-formed batch arrives; returns null as soon as {@code stop} says so (checked at
     * least every 100 ms, so a kill lands within a second).
     */
    public Consumed next(Duration timeout, java.util.function.BooleanSupplier stop) throws TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (stop.getAsBoolean()) {
                return null;
            }
            ConsumerRecord<byte[], byte[]> record = buffered.poll();
            if (record == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("no batch on " + partition.topic() + " for " + timeout.toSeconds() + " s"
                            + (deadLettered > 0 ? " (" + deadLettered + " malformed batches were dead-lettered)" : ""));
                }
                if (lastCommit > lastSent) {
                    // Waiting for a batch: the data-service may be waiting for this commit (its look-ahead is full).
                    send(lastCommit);
                }
                consumer.poll(Duration.ofNanos(Math.min(left, Duration.ofMillis(100).toNanos()))).forEach(buffered::add);
                continue;
            }
            long decodeStart = System.nanoTime();
            try {
                Batch batch = BatchCodec.decode(record.value());
                return new Consumed(batch, record.offset() + 1, System.nanoTime() - decodeStart);
            } catch (WireFormatException e) {
                deadLettered++;
                DeadLetters.send(producer, record, e);
            }
        }
    }

    /**
     * Records progress; sends it (asynchronously: a lost commit only means the data-service waits a little longer)
     * every {@value #COMMIT_EVERY} batches or {@value #COMMIT_AFTER_MS} ms, whichever comes first, as soon as
     * {@link #next} has to wait for a batch, and on close.
     * Why not every batch: a commit costs the training thread about as much as a metric event (docs/performance.md),
     * and the data-service only needs to know it may stay its 16 batches ahead.
     */
    public void commit(long nextOffset) {
        lastCommit = nextOffset;
        if (nextOffset - lastSent >= COMMIT_EVERY || System.nanoTime() - lastSentNanos >= COMMIT_AFTER_MS * 1_000_000L) {
            send(nextOffset);
        }
    }

    private void send(long nextOffset) {
        lastSent = nextOffset;
        lastSentNanos = System.nanoTime();
        consumer.commitAsync(Map.of(partition, new OffsetAndMetadata(nextOffset)), null);
    }

    @Override
    public void close() {
        try {
            // The last offset trained on, not the position: buffered batches were never trained on.
            if (lastCommit >= 0) {
                consumer.commitSync(Map.of(partition, new OffsetAndMetadata(lastCommit)), Duration.ofSeconds(5));
            }
        } catch (RuntimeException ignored) {
            // Best effort: the run is over either way.
        }
        consumer.close(Duration.ofSeconds(5));
    }
}
