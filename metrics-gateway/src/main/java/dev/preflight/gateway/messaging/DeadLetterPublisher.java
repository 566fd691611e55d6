package dev.preflight.gateway.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;

/**
 * Dead-letters single records of a batch-consumed channel. In batch mode the connector's dead-letter strategy could
 * only dead-letter a whole batch, so the handler sends the one bad record itself, with the same headers SmallRye's
 * strategy writes (dead-letter-reason, -cause, -topic, -partition, -offset), and goes on with the rest.
 */
@ApplicationScoped
public class DeadLetterPublisher {

    /** The outgoing channel to preflight.dead-letters (application.properties). */
    public static final String CHANNEL = "dead-letters-out";

    private static final Logger LOG = Logger.getLogger(DeadLetterPublisher.class);

    private final MutinyEmitter<byte[]> out;

    public DeadLetterPublisher(@Channel(CHANNEL) MutinyEmitter<byte[]> out) {
        this.out = out;
    }

    public Uni<Void> send(ConsumerRecord<String, byte[]> record, Throwable reason) {
        LOG.warnf("dead-lettering %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), reason.getMessage());
        RecordHeaders headers = new RecordHeaders();
        headers.add("dead-letter-reason", bytes(String.valueOf(reason.getMessage())));
        headers.add("dead-letter-cause", bytes(reason.getClass().getName()));
        headers.add("dead-letter-topic", bytes(record.topic()));
        headers.add("dead-letter-partition", bytes(String.valueOf(record.partition())));
        headers.add("dead-letter-offset", bytes(String.valueOf(record.offset())));
        Message<byte[]> message = Message.of(record.value()).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(record.key()).withHeaders(headers).build());
        return out.sendMessage(message);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
