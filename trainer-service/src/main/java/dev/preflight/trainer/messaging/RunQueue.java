package dev.preflight.trainer.messaging;

import dev.preflight.nn.Devices;
import dev.preflight.nn.Models;
import dev.preflight.nn.TfThreads;
import dev.preflight.trainer.config.TrainerConfig;
import dev.preflight.trainer.service.KillSwitch;
import dev.preflight.trainer.service.TrainingJob;
import dev.preflight.wire.RunLease;
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
import java.util.Optional;
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
    private final Leases leases;
    private final Counter runsFenced;
    private final Counter runsResumed;
    private final EvalReadiness evalReadiness;
    /** Where every run of this replica trains ({@code preflight.trainer.devices}). */
    private final Devices devices;

    public RunQueue(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, TrainerConfig config,
                    TrainerProducer producer, KillSwitch kills, Leases leases, EvalReadiness evalReadiness, MeterRegistry registry) {
        this.evalReadiness = evalReadiness;
        this.kills = kills;
        this.leases = leases;
        this.bootstrap = bootstrap;
        this.config = config;
        this.producer = producer;
        this.worker = config.workerId().orElseGet(RunQueue::hostName) + "-" + ProcessHandle.current().pid();
        // Resolved once: a device count this machine cannot give stops the replica at start, not each run.
        this.devices = Devices.configured(config.devices());
        this.runsFinished = Counter.builder("preflight.trainer.runs").tag("outcome", "finished")
                .description("Runs this replica trained to the end").register(registry);
        this.runsFailed = Counter.builder("preflight.trainer.runs").tag("outcome", "failed")
                .description("Runs this replica ended with FAILED").register(registry);
        this.runsKilled = Counter.builder("preflight.trainer.runs").tag("outcome", "killed")
                .description("Runs this replica stopped on a kill command").register(registry);
        this.runsFenced = Counter.builder("preflight.trainer.runs").tag("outcome", "fenced")
                .description("Runs this replica stopped because another replica took them over (its lease had expired)")
                .register(registry);
        this.runsResumed = Counter.builder("preflight.trainer.runs.resumed")
                .description("Runs this replica took over from a replica that stopped renewing its lease").register(registry);
        registry.gauge("preflight.trainer.busy", currentRun, r -> r.get() == null ? 0 : 1);
    }

    void onStart(@Observes StartupEvent ev) {
        Topics.ensureAll(bootstrap);
        evalReadiness.start();
        Models.warmUp();
        LOG.infof("runs train on %d %s device(s)%s", devices.count(), devices.kind(), devices.parallel() ? ", data-parallel" : "");
        if (!config.queueEnabled()) {
            LOG.info("run queue disabled (preflight.trainer.queue-enabled=false)");
            return;
        }
        leases.start();
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
                boolean took = false;
                for (ConsumerRecord<byte[], byte[]> record : c.poll(Duration.ofMillis(500))) {
                    Map<TopicPartition, OffsetAndMetadata> next = Map.of(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                    RunSubmitted run;
                    try {
                        run = RunSubmitted.decode(record.value());
                    } catch (WireFormatException e) {
                        commit(c, next);
                        DeadLetters.send(producer, record, e);
                        continue;
                    }
                    if (leases.live(run.runId())) {
                        // Resubmitted while a replica holds it: two replicas must never train one run.
                        commit(c, next);
                        LOG.infof("%s is held by %s; ignoring the repeated submission", run.runId(),
                                leases.current(run.runId()).map(l -> l.worker()).orElse("?"));
                        continue;
                    }
                    // Claim first, then commit: a crash in between leaves a lease that expires, and the run is resumed.
                    Optional<Leases.Lease> lease = leases.claim(run, worker);
                    commit(c, next);
                    if (lease.isEmpty()) {
                        LOG.warnf("%s: not claimed by this replica (see above); the replica holding its lease trains it", run.runId());
                        continue;
                    }
                    c.unsubscribe();
                    train(run, lease.get());
                    if (running) {
                        c.subscribe(List.of(Topics.RUNS));
                    }
                    took = true;
                    break;
                }
                if (!took && running) {
                    takeOverLostRun(c);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (WakeupException e) {
            // shutdown
        } catch (RuntimeException e) {
            LOG.error("run queue stopped", e);
        }
    }

    /**
     * Commits the queue offset past a record. A commit refused because the group is rebalancing (a replica joined,
     * left or died: KIP-848's stale member epoch) must not stop the queue: the lease, not the offset, says who trains a
     * run, so a record delivered again is recognised as held and skipped. Logged; false when refused.
     */
    private static boolean commit(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, OffsetAndMetadata> next) {
        RuntimeException last = null;
        // The consumer's background heartbeat fetches the new member epoch; a retry a moment later usually commits.
        for (int attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
            try {
                c.commitSync(next);
                return true;
            } catch (org.apache.kafka.clients.consumer.CommitFailedException | org.apache.kafka.common.errors.RebalanceInProgressException
                     | org.apache.kafka.clients.consumer.RetriableCommitFailedException e) {
                last = e;
                try {
                    Thread.sleep(200L * (attempt + 1));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        LOG.warnf("run queue offset %s not committed (%s); a redelivered submission is recognised by its lease", next,
                last == null ? "interrupted" : last.getMessage());
        return false;
    }

    /** Commit attempts while the group settles (200, 400, … ms apart: about 3 s in all). */
    private static final int COMMIT_ATTEMPTS = 5;

    /**
     * An idle replica resumes a run whose holder stopped renewing its lease: it claims the next epoch, and if its
     * claim is the first in log order it trains the run from its last checkpoint (the job announces RESUMED).
     */
    private void takeOverLostRun(KafkaConsumer<byte[], byte[]> c) throws InterruptedException {
        Optional<RunLease> lost = leases.lost();
        if (lost.isEmpty()) {
            return;
        }
        RunLease was = lost.get();
        LOG.warnf("%s: %s has not renewed its lease for %s; claiming it", was.runId(), was.worker(), leases.ttl());
        c.unsubscribe();
        try {
            Optional<Leases.Lease> lease = leases.claim(was.submitted(), worker);
            if (lease.isPresent()) {
                runsResumed.increment();
                train(was.submitted(), lease.get());
            }
        } finally {
            if (running) {
                c.subscribe(List.of(Topics.RUNS));
            }
        }
    }

    private void train(RunSubmitted run, Leases.Lease lease) {
        currentRun.set(run.runId());
        TrainingJob.Outcome outcome = null;
        try {
            outcome = new TrainingJob(run, new TrainingJob.Context(bootstrap, producer, kills, worker,
                    config.batchTimeout(), TfThreads.configured(config.tfThreads(), config.tfInterOpThreads(), config.tfThreadSpinning()),
                    config.exportDir(), lease, new TrainingJob.Pacing(config.snapshotsInFlight(), config.snapshotAckTimeout(),
                    evalReadiness::lastDone, evalReadiness), devices)).run();
            if (outcome.fenced()) {
                runsFenced.increment();
            } else {
                switch (outcome.type()) {
                    case FINISHED -> runsFinished.increment();
                    case KILLED -> runsKilled.increment();
                    default -> runsFailed.increment();
                }
            }
        } finally {
            if (outcome != null && !outcome.fenced()) {
                lease.release();
            } else {
                // Fenced, or the job threw: the lease is not released, so it expires and another replica resumes.
                lease.abandon();
            }
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
