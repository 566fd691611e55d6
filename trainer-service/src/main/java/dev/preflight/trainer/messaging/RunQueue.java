package dev.preflight.trainer.messaging;

import dev.preflight.nn.Models;
import dev.preflight.trainer.config.TrainerConfig;
import dev.preflight.trainer.service.KillSwitch;
import dev.preflight.trainer.service.TrainingJob;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import dev.preflight.wire.WireFormatException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The trainers' work queue: {@link Topics#RUNS} read by the consumer group shared by every trainer replica, so each
 * run is trained by exactly one replica and N replicas train N runs at once.
 *
 * <p>A replica takes one run at a time. When it takes one it commits the run's offset (the run is claimed) and
 * <em>leaves the group</em> while it trains, so the group's partitions move to the idle replicas; otherwise a run
 * landing on a busy replica's partition would wait while another replica idles. It rejoins when the run is over.
 */
@ApplicationScoped
public class RunQueue {

    private static final Logger LOG = Logger.getLogger(RunQueue.class);

    private final String bootstrap;
    private final TrainerConfig config;
    private final TrainerProducer producer;
    private final String worker;
    private final Counter runsFinished;
    private final Counter runsFailed;
    private final Counter runsKilled;
    private final AtomicReference<String> currentRun = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    private final KillSwitch kills;

    public RunQueue(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, TrainerConfig config,
                    TrainerProducer producer, KillSwitch kills, MeterRegistry registry) {
        this.kills = kills;
        this.bootstrap = bootstrap;
        this.config = config;
        this.producer = producer;
        this.worker = config.workerId().orElseGet(RunQueue::hostName) + "-" + ProcessHandle.current().pid();
        this.runsFinished = Counter.builder("preflight.trainer.runs").tag("outcome", "finished")
                .description("Runs this replica trained to the end").register(registry);
        this.runsFailed = Counter.builder("preflight.trainer.runs").tag("outcome", "failed")
                .description("Runs this replica ended with FAILED").register(registry);
        this.runsKilled = Counter.builder("preflight.trainer.runs").tag("outcome", "killed")
                .description("Runs this replica stopped on a kill command").register(registry);
        registry.gauge("preflight.trainer.busy", currentRun, r -> r.get() == null ? 0 : 1);
    }

    void onStart(@Observes StartupEvent ev) {
        Topics.ensureAll(bootstrap);
        Models.warmUp();
        if (!config.queueEnabled()) {
            LOG.info("run queue disabled (preflight.trainer.queue-enabled=false)");
            return;
        }
        thread = new Thread(this::loop, "run-queue");
        thread.start();
    }

    void onStop(@Observes ShutdownEvent ev) throws InterruptedException {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.join(Duration.ofSeconds(10).toMillis());
        }
    }

    public String worker() {
        return worker;
    }

    public String currentRun() {
        return currentRun.get();
    }

    private void loop() {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, config.group(),
                // KIP-848 protocol: incremental rebalances, so partitions move to idle replicas quickly.
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                // One run at a time: never hold more than the run being claimed.
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1,
                ConsumerConfig.CLIENT_ID_CONFIG, "preflight-trainer-queue-" + worker),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try (KafkaConsumer<byte[], byte[]> c = consumer) {
            c.subscribe(List.of(Topics.RUNS));
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : c.poll(Duration.ofMillis(500))) {
                    c.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1)));
                    RunSubmitted run;
                    try {
                        run = RunSubmitted.decode(record.value());
                    } catch (WireFormatException e) {
                        DeadLetters.send(producer, record, e);
                        continue;
                    }
                    c.unsubscribe();
                    train(run);
                    if (running) {
                        c.subscribe(List.of(Topics.RUNS));
                    }
                    break;
                }
            }
        } catch (WakeupException e) {
            // shutdown
        } catch (RuntimeException e) {
            LOG.error("run queue stopped", e);
        }
    }

    private void train(RunSubmitted run) {
        currentRun.set(run.runId());
        try {
            TrainingJob.Outcome outcome = new TrainingJob(run, new TrainingJob.Context(bootstrap, producer, kills, worker,
                    config.batchTimeout(), config.tfThreads(), config.exportDir())).run();
            switch (outcome.type()) {
                case FINISHED -> runsFinished.increment();
                case KILLED -> runsKilled.increment();
                default -> runsFailed.increment();
            }
        } finally {
            currentRun.set(null);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "trainer";
        }
    }
}
