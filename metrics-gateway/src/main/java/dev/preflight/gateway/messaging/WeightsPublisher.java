package dev.preflight.gateway.messaging;

import dev.preflight.wire.Topics;
import dev.preflight.wire.WeightsUploads;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Puts uploaded weight files on Kafka ({@link WeightsUploads}: one topic per upload, 4 MiB chunks) and reads them back
 * for a submission check on a gateway that did not take the upload itself.
 *
 * <p>A plain producer rather than a messaging channel: the records go to a topic created per upload (a channel names
 * one topic in configuration), and the upload answers only once every chunk is acknowledged by all in-sync replicas.
 */
@ApplicationScoped
public class WeightsPublisher {

    private final String bootstrap;
    private volatile KafkaProducer<byte[], byte[]> producer;

    public WeightsPublisher(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.bootstrap = bootstrap;
    }

    /** Creates the upload's topic and writes the file's chunks, unless the topic already holds them (same file again). */
    public void publish(Path file, byte[] sha256) throws Exception {
        String id = WeightsUploads.idOf(sha256);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Topics.ensure(admin, java.util.List.of(Topics.weightsStream(id)));
        }
        Path check = file.resolveSibling(id + ".check");
        try {
            if (WeightsUploads.fetch(bootstrap, id, check, Duration.ofSeconds(30))) {
                return;
            }
        } catch (dev.preflight.wire.WireFormatException cutShort) {
            // An earlier upload of this file was cut short: publish it whole again (readers start over at chunk 0).
        } finally {
            java.nio.file.Files.deleteIfExists(check);
        }
        WeightsUploads.publish(producer(), file, sha256);
    }

    /** Reads an upload back into {@code target}; false when the cluster holds none with this id. */
    public boolean fetch(String id, Path target) {
        return WeightsUploads.fetch(bootstrap, id, target, Duration.ofSeconds(30));
    }

    private KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                            // An upload the user was told is stored must survive a broker failure.
                            ProducerConfig.ACKS_CONFIG, "all",
                            ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MESSAGE_BYTES),
                            new ByteArraySerializer(), new ByteArraySerializer());
                }
            }
        }
        return producer;
    }

    void close(@Observes ShutdownEvent e) {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
