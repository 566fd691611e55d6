package dev.preflight.data.messaging;

import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import dev.preflight.wire.WireFormatException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Resumes, on start-up, the batch streams a previous instance left unfinished. A submission is acknowledged when its
 * stream starts, so a service killed mid-stream never sees it again through its group; instead this reads
 * {@code preflight.runs} and {@code preflight.run-events} from the start (no group, nothing committed), and restarts
 * the stream of every run that has a batch topic, no terminal event and fewer batches on its topic than steps. A
 * stream continues at its topic's end offset, so batch i stays at offset i and no offset is written twice; it paces
 * itself on the trainer group's committed offset as always.
 */
@ApplicationScoped
public class StreamRecovery {

    private static final Logger LOG = Logger.getLogger(StreamRecovery.class);

    private final String bootstrap;
    private final BatchStreamer streamer;
    private Thread thread;

    public StreamRecovery(@ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092") String bootstrap,
                          BatchStreamer streamer) {
        this.bootstrap = bootstrap;
        this.streamer = streamer;
    }

    void onStart(@Observes StartupEvent ev) {
        thread = new Thread(this::recover, "stream-recovery");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void recover() {
        try {
            Set<String> ended = new HashSet<>();
            readAll(Topics.RUN_EVENTS, r -> {
                try {
                    RunEvent e = RunEvent.decode(r.value());
                    if (e.terminal()) {
                        ended.add(e.runId());
                    }
                } catch (WireFormatException ignored) {
                    // dead-lettered by the channel that reads it
                }
            });
            Map<String, RunSubmitted> unfinished = new LinkedHashMap<>();
            readAll(Topics.RUNS, r -> {
                try {
                    RunSubmitted run = RunSubmitted.decode(r.value());
                    if (!ended.contains(run.runId())) {
                        unfinished.put(run.runId(), run);
                    }
                } catch (RuntimeException ignored) {
                    // dead-lettered by the channel that reads it
                }
            });
            if (unfinished.isEmpty()) {
                return;
            }
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                for (RunSubmitted run : unfinished.values()) {
                    // No batch topic: the stream never started, and the submission is still ahead of the group.
                    if (!topics.contains(Topics.batches(run.runId())) || streamer.isStreaming(run.runId())) {
                        continue;
                    }
                    TopicPartition tp = new TopicPartition(Topics.batches(run.runId()), 0);
                    long end = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                            .partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
                    if (end >= run.spec().steps()) {
                        continue;
                    }
                    LOG.infof("run %s: resuming its unfinished stream at batch %d of %d", run.runId(), end, run.spec().steps());
                    try {
                        streamer.start(run);
                    } catch (RuntimeException e) {
                        LOG.warnf("run %s: could not resume its stream: %s", run.runId(), e.getMessage());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.error("stream recovery failed: unfinished streams of the previous instance are not resumed", e);
        }
    }

    private void readAll(String topic, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    each.accept(r);
                }
            }
        }
    }
}
