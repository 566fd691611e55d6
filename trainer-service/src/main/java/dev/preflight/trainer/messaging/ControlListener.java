package dev.preflight.trainer.messaging;

import dev.preflight.trainer.service.KillSwitch;
import dev.preflight.wire.RunCommand;
import dev.preflight.wire.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reads every command on {@link Topics#CONTROL}: each replica needs all of them (it cannot know in advance which run
 * a kill is for), so the group is unique per replica. Polls every 100 ms so a kill lands within a second. FAIL (a
 * service refused the run) stops it the same way and ends it FAILED with that service's reason.
 */
@ApplicationScoped
public class ControlListener {

    private final String bootstrap;
    private final KillSwitch kills;
    private final TrainerProducer producer;
    private ReaderThread reader;

    public ControlListener(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, KillSwitch kills, TrainerProducer producer) {
        this.bootstrap = bootstrap;
        this.kills = kills;
        this.producer = producer;
    }

    void onStart(@Observes StartupEvent ev) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "preflight-trainer-control-" + UUID.randomUUID(),
                // Kills from the last week still matter (a queued run may be killed before it starts).
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(Topics.CONTROL));
        reader = new ReaderThread("control-listener", consumer, this::handle, producer, "kills will not be seen");
        reader.start();
    }

    void onStop(@Observes ShutdownEvent ev) throws InterruptedException {
        if (reader != null) {
            reader.stop();
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> record) {
        RunCommand command = RunCommand.decode(record.value());
        switch (command.type()) {
            case KILL -> kills.kill(command.runId(), command.reason());
            case FAIL -> kills.fail(command.runId(), command.reason());
        }
    }
}
