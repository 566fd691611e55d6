package dev.preflight.trainer.messaging;

import dev.preflight.wire.EvalReady;
import dev.preflight.wire.Topics;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.preflight.trainer.service.TrainingJob;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What the eval-service has finished, per run: the highest snapshot step it reported done on {@link Topics#EVAL_READY}.
 * The training jobs pace their snapshots by it ({@code SnapshotPacer}). Every replica reads every partition, by
 * assignment (no group: no rebalance delay before the first signal is seen), from the end: a signal older than this
 * replica concerns snapshots some other process published. Malformed records are dead-lettered and skipped.
 * For runs a job {@linkplain #watch watches} (early stopping) it also keeps every report, val loss included, until the
 * job drains them.
 */
@ApplicationScoped
public class EvalReadiness implements TrainingJob.ValidationFeed {

    /** Runs remembered at once; the oldest is forgotten beyond this (a finished run no longer asks). */
    private static final int RUNS_KEPT = 10_000;

    private final String bootstrap;
    private final TrainerProducer producer;
    private final Map<String, Integer> done = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > RUNS_KEPT;
        }
    };
    /** Reports of watched runs not drained yet, in arrival (= step) order: the run's key keeps them in one partition. */
    private final Map<String, ConcurrentLinkedQueue<EvalReady>> watched = new ConcurrentHashMap<>();
    private ReaderThread reader;

    public EvalReadiness(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, TrainerProducer producer) {
        this.bootstrap = bootstrap;
        this.producer = producer;
    }

    /** Starts reading; call once the topic exists ({@code Topics.ensureAll}). Returns once positioned at the end. */
    public synchronized void start() {
        if (reader != null) {
            return;
        }
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "preflight-trainer-eval-ready-" + ProcessHandle.current().pid()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = c.partitionsFor(Topics.EVAL_READY).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        c.assign(partitions);
        c.seekToEnd(partitions);
        // Resolve the end positions now: a signal sent after start() returns must not be skipped by a lazy seek.
        partitions.forEach(c::position);
        reader = new ReaderThread("eval-readiness", c, r -> record(EvalReady.decode(r.value())), producer,
                "snapshots fall back to the ack timeout");
        reader.start();
    }

    /** The highest snapshot step of the run the eval-service reported done since this replica started; -1 if none. */
    public int lastDone(String runId) {
        synchronized (done) {
            return done.getOrDefault(runId, -1);
        }
    }

    /** Records a signal (the consumer thread; tests). */
    void record(EvalReady ready) {
        ConcurrentLinkedQueue<EvalReady> queue = watched.get(ready.runId());
        if (queue != null) {
            queue.add(ready);
        }
        synchronized (done) {
            done.merge(ready.runId(), ready.step(), Math::max);
        }
    }

    @Override
    public void watch(String runId) {
        watched.putIfAbsent(runId, new ConcurrentLinkedQueue<>());
    }

    @Override
    public List<EvalReady> drain(String runId) {
        ConcurrentLinkedQueue<EvalReady> queue = watched.get(runId);
        List<EvalReady> out = new ArrayList<>();
        if (queue != null) {
            for (EvalReady r; (r = queue.poll()) != null; ) {
                out.add(r);
            }
        }
        return out;
    }

    @Override
    public void unwatch(String runId) {
        watched.remove(runId);
    }

    void onStop(@Observes ShutdownEvent ev) throws InterruptedException {
        ReaderThread r;
        synchronized (this) {
            r = reader;
        }
        if (r != null) {
            r.stop();
        }
    }
}
