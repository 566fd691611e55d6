package dev.preflight.data.messaging;

import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import dev.preflight.wire.WireFormatException;
import io.quarkus.runtime.ShutdownEvent;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Resumes the batch streams of runs whose {@code preflight.runs} partitions this replica has just been given: at
 * start-up (a previous instance's unfinished streams) and when the group moves a partition here from a replica that
 * left or died. A submission is acknowledged when its stream starts, so its new owner never sees it again through the
 * group; instead this reads {@code preflight.runs} and {@code preflight.run-events} from the start (no group, nothing
 * committed), and restarts the stream of every run of those partitions that has a batch topic, no terminal event and
 * fewer batches on its topic than steps. A stream continues at its topic's end offset, so batch i stays at offset i and
 * no offset is written twice (the previous owner stopped its streams of a revoked partition before the revocation
 * completed: {@link BatchStreamer#release}); it paces itself on the trainer group's committed offset as always.
 */
@ApplicationScoped
public class StreamRecovery {

    private static final Logger LOG = Logger.getLogger(StreamRecovery.class);

    private final String bootstrap;
    private final BatchStreamer streamer;
    /** One scan at a time, in the order partitions were assigned. */
    private final ExecutorService scans = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "stream-recovery");
        t.setDaemon(true);
        return t;
    });

    public StreamRecovery(@ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092") String bootstrap,
                          BatchStreamer streamer) {
        this.bootstrap = bootstrap;
        this.streamer = streamer;
    }

    void onStop(@Observes ShutdownEvent ev) {
        scans.shutdownNow();
    }

    /** Scans, on its own thread, for unfinished streams of runs submitted on these partitions, and resumes them. */
    public void resume(Set<Integer> partitions) {
        if (!partitions.isEmpty()) {
            scans.execute(() -> recover(Set.copyOf(partitions)));
        }
    }

    private void recover(Set<Integer> partitions) {
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
            Map<String, ConsumerRecord<byte[], byte[]>> unfinished = new LinkedHashMap<>();
            Map<String, RunSubmitted> runs = new LinkedHashMap<>();
            readAll(Topics.RUNS, r -> {
                if (!partitions.contains(r.partition())) {
                    return;
                }
                try {
                    RunSubmitted run = RunSubmitted.decode(r.value());
                    if (!ended.contains(run.runId())) {
                        unfinished.put(run.runId(), r);
                        runs.put(run.runId(), run);
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
                for (RunSubmitted run : runs.values()) {
                    // No batch topic: the stream never started, and the submission is still ahead of the group.
                    if (!topics.contains(Topics.batches(run.runId())) || streamer.isStreaming(run.runId())) {
                        continue;
                    }
                    TopicPartition tp = new TopicPartition(Topics.batches(run.runId()), 0);
                    long end = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                            .partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
                    if (end >= run.spec().batchCount()) {
                        continue;
                    }
                    LOG.infof("run %s: resuming its unfinished stream at batch %d of %d", run.runId(), end, run.spec().batchCount());
                    try {
                        streamer.start(run, unfinished.get(run.runId()).partition());
                    } catch (RuntimeException e) {
                        LOG.warnf("run %s: could not resume its stream: %s", run.runId(), e.getMessage());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.error("stream recovery failed: unfinished streams of partitions " + partitions + " are not resumed", e);
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
