package dev.preflight.trainer.messaging;

import dev.preflight.wire.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;

/**
 * Dead-letter strategy for the trainer's own consumers (the run queue and the batch streams are plain Kafka
 * consumers, not reactive-messaging channels, because they subscribe, seek and pause per run). Uses the same header
 * names as SmallRye's dead-letter-queue strategy, so one tool reads every dead letter.
 */
public final class DeadLetters {

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private DeadLetters() {
    }

    public static void send(TrainerProducer producer, ConsumerRecord<byte[], byte[]> record, Exception reason) {
        LOG.warnf("dead-lettering %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), reason.getMessage());
        ProducerRecord<byte[], byte[]> dead = new ProducerRecord<>(Topics.DEAD_LETTERS, record.key(), record.value());
        dead.headers().add(header("dead-letter-reason", String.valueOf(reason.getMessage())));
        dead.headers().add(header("dead-letter-cause", reason.getClass().getName()));
        dead.headers().add(header("dead-letter-topic", record.topic()));
        dead.headers().add(header("dead-letter-partition", String.valueOf(record.partition())));
        dead.headers().add(header("dead-letter-offset", String.valueOf(record.offset())));
        producer.send(dead);
    }

    private static RecordHeader header(String key, String value) {
        return new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
