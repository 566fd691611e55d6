package dev.preflight.kafka;

/**
 * A running single-node Kafka broker the local stack can use: {@link LocalKafka} (inside this JVM, fresh storage) or
 * {@link KafkaProcess} (its own JVM, storage in a directory that survives it).
 */
public interface Broker extends AutoCloseable {

    /** {@code host:port} for Kafka clients. */
    String bootstrapServers();

    /** Stops the broker; idempotent. */
    @Override
    void close();
}
