package dev.preflight.gateway.messaging;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Outgoing records keyed by run (or experiment) id, so that one id's records share a partition and stay in order. */
final class Keyed {

    private Keyed() {
    }

    static Message<byte[]> message(String key, byte[] value) {
        return Message.of(value).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build());
    }
}
