package dev.preflight.data.messaging;

import dev.preflight.data.config.DataServiceConfig;
import dev.preflight.data.service.DatasetRegistry;
import dev.preflight.data.service.RunFit;
import dev.preflight.data.service.TrainBatches;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Streams each run's train batches to its own single-partition topic, one worker thread per run, never more than
 * {@code max-batches-ahead} batches ahead of the offset the run's trainer has committed.
 *
 * <p>Batch i always lands at offset i: a stream (re)starts at the topic's end offset, and batch i is a pure function
 * of the spec, so a redelivered run or a stream restarted after a stall continues exactly where the last one stopped
 * instead of writing duplicates.
 */
@Startup
@ApplicationScoped
public class BatchStreamer {

    private static final Logger LOG = Logger.getLogger(BatchStreamer.class);

    /** Runs remembered as finished (or parked): enough for days of runs, small enough to never matter for memory. */
    private static final int REMEMBERED_RUNS = 10_000;
    /** Bound on any single admin call, so a broker outage shows up as a logged failure rather than a hung stream. */
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    /** How stale the batches-ahead gauge may be while the stream is not blocked (then it is read every poll). */
    private static final Duration GAUGE_REFRESH = Duration.ofMillis(250);

    private final DatasetRegistry datasets;
    private final RunRefusals refusals;
    private final DataServiceConfig config;
    private final MeterRegistry meters;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ExecutorService workers;

    private final Map<String, RunStream> active = new ConcurrentHashMap<>();
    /**
     * Runs whose FINISHED/FAILED event was seen. The runs and run-events topics are read independently, so after a
     * restart the service may re-read a run submission whose end it has already seen; it must not stream it again.
     */
    private final Set<String> finished = Collections.synchronizedSet(Collections.newSetFromMap(lruMap()));
    /**
     * Runs whose stream was abandoned for want of trainer progress. A run can wait in the trainers' queue longer than
     * the stall timeout; when its STARTED event finally arrives the stream resumes where it stopped.
     */
    private final Map<String, Parked> parked = Collections.synchronizedMap(lruMap());
    /** Every run submission seen, newest kept: what the run preview endpoint renders batches for. */
    private final Map<String, RunSubmitted> submissions = Collections.synchronizedMap(lruMap());

    private volatile boolean stopping;

    /** A parked run and the {@code preflight.runs} partition it came from (whose owner may resume it). */
    private record Parked(RunSubmitted run, int partition) {
    }

    /** How long a revoked partition's streams get to stop before the partition goes to another replica. */
    private static final Duration RELEASE_WAIT = Duration.ofSeconds(15);

    @Inject
    public BatchStreamer(DatasetRegistry datasets, RunRefusals refusals, DataServiceConfig config, MeterRegistry meters,
                         @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092") String bootstrapServers) {
        if (config.maxBatchesAhead() < 1) {
            throw new IllegalArgumentException("preflight.data.max-batches-ahead must be >= 1, was " + config.maxBatchesAhead());
        }
        this.datasets = datasets;
        this.refusals = refusals;
        this.config = config;
        this.meters = meters;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        this.producer = new KafkaProducer<>(producerConfig(bootstrapServers), new ByteArraySerializer(), new ByteArraySerializer());
        this.workers = Executors.newCachedThreadPool(runnable -> {
            Thread t = new Thread(runnable);
            t.setDaemon(true);
            return t;
        });
        Gauge.builder("preflight.data.streams.active", active, Map::size)
                .description("Train-batch streams currently running")
                .register(meters);
    }

    static Map<String, Object> producerConfig(String bootstrapServers) {
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                // A batch of 4096 28x28 images is ~3 MB, over the 1 MB default; the batch topics accept this much.
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MESSAGE_BYTES,
                // A lost batch would shift every later batch off its offset, so wait for the full ISR.
                ProducerConfig.ACKS_CONFIG, "all",
                // Retries must not reorder or duplicate: offset i has to be batch i.
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                // The trainer may be waiting on this very batch; a few ms of batching is all the latency we accept.
                ProducerConfig.LINGER_MS_CONFIG, 2,
                ProducerConfig.CLIENT_ID_CONFIG, "preflight-data-service-batches");
    }

    private static <V> Map<String, V> lruMap() {
        return new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > REMEMBERED_RUNS;
            }
        };
    }

    /**
     * Checks that the run can be streamed ({@link RunFit}, the same check {@code POST /api/run-checks} answers),
     * creates its topic and starts its worker. Runs on the messaging thread, so anything wrong with the run (unknown
     * dataset, subset larger than the train split, topic not creatable) throws here; the caller ends the run with the
     * reason and dead-letters the submission, instead of the run failing unseen on a worker.
     */
    public void start(RunSubmitted run, int partition) {
        String runId = run.runId();
        submissions.put(runId, run);
        if (finished.contains(runId)) {
            LOG.infof("run %s already finished; not streaming it again", runId);
            return;
        }
        if (active.containsKey(runId)) {
            LOG.infof("run %s is already streaming; ignoring the repeated submission", runId);
            return;
        }
        TrainBatches batches = RunFit.batches(datasets, run.spec());
        Topics.ensure(admin, List.of(Topics.batchStream(runId)));
        parked.remove(runId);
        RunStream stream = new RunStream(run, batches, partition);
        if (active.putIfAbsent(runId, stream) == null) {
            try {
                workers.execute(stream);
            } catch (RuntimeException e) {
                active.remove(runId, stream);
                throw e;
            }
        }
    }

    /** A trainer's lifecycle event: ends the run's stream, or resumes a parked one when a trainer finally takes it. */
    public void onEvent(RunEvent event) {
        String runId = event.runId();
        if (event.terminal()) {
            finished.add(runId);
            parked.remove(runId);
            RunStream stream = active.get(runId);
            if (stream != null) {
                stream.cancel("run " + event.type() + " at step " + event.step());
            }
        } else if (event.type() == RunEvent.Type.STARTED || event.type() == RunEvent.Type.RESUMED) {
            Parked p = parked.remove(runId);
            if (p != null) {
                LOG.infof("run %s was started by %s; resuming its parked stream", runId, event.worker());
                start(p.run(), p.partition());
            }
        }
    }

    /**
     * Stops the streams (and forgets the parked runs) of runs submitted on these {@code preflight.runs} partitions,
     * because the group moved them to another replica, which resumes them; waits until the streams have stopped and
     * their batches are acknowledged, so the new owner continues at the true end offset and no batch is written twice.
     */
    public void release(java.util.Collection<Integer> partitions) {
        List<RunStream> leaving = active.values().stream().filter(s -> partitions.contains(s.runsPartition)).toList();
        leaving.forEach(s -> s.cancel("its partition " + Topics.RUNS + "-" + s.runsPartition + " moved to another replica"));
        synchronized (parked) {
            parked.values().removeIf(p -> partitions.contains(p.partition()));
        }
        long deadline = System.nanoTime() + RELEASE_WAIT.toNanos();
        try {
            while (leaving.stream().anyMatch(s -> active.get(s.runId) == s) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        leaving.stream().filter(s -> active.get(s.runId) == s)
                .forEach(s -> LOG.warnf("run %s: stream did not stop within %s of its partition's revocation", s.runId, RELEASE_WAIT));
        producer.flush();
    }

    /** Remembers a run submitted on any partition, streamed here or by another replica: what run previews render. */
    public void remember(RunSubmitted run) {
        submissions.put(run.runId(), run);
    }

    /** The submission of a run this service has seen (bounded: the most recent runs), or null. */
    public RunSubmitted submission(String runId) {
        return submissions.get(runId);
    }

    public boolean isStreaming(String runId) {
        return active.containsKey(runId);
    }

    @PreDestroy
    void shutdown() {
        stopping = true;
        active.values().forEach(s -> s.cancel("service shutting down"));
        workers.shutdownNow();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warnf("%d batch streams did not stop within 10 s", active.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }

    /** One run's stream; runs on its own worker thread. */
    private final class RunStream implements Runnable {

        private final RunSubmitted run;
        private final String runId;
        private final TrainBatches batches;
        private final String topic;
        private final TopicPartition partition;
        /** The {@code preflight.runs} partition the submission came from: the replica owning it streams the run. */
        private final int runsPartition;
        private final byte[] key;
        private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
        private volatile String cancelReason;
        private boolean offsetReadFailed;
        /** Batches handed to the producer and the trainer's committed offset, for the batches-ahead gauge. */
        private volatile long produced;
        private volatile long committedSeen;

        RunStream(RunSubmitted run, TrainBatches batches, int runsPartition) {
            this.runsPartition = runsPartition;
            this.run = run;
            this.runId = run.runId();
            this.batches = batches;
            this.topic = Topics.batches(runId);
            this.partition = new TopicPartition(topic, 0);
            this.key = runId.getBytes(StandardCharsets.UTF_8);
        }

        void cancel(String reason) {
            cancelReason = reason;
        }

        @Override
        public void run() {
            String previousName = Thread.currentThread().getName();
            Thread.currentThread().setName("batch-stream-" + runId);
            try {
                stream();
            } catch (InterruptException | InterruptedException e) {
                LOG.infof("run %s: stream interrupted (%s)", runId, stopping ? "service shutting down" : "worker interrupted");
            } catch (RuntimeException | ExecutionException | TimeoutException e) {
                LOG.errorf(e, "run %s: stream failed: %s", runId, e.getMessage());
                if (!stopping && cancelReason == null) {
                    // Nothing restarts a failed stream: end the run now, with the reason, rather than at the trainer's
                    // batch timeout with a message that names nothing.
                    refusals.refuse(runId, (int) committedSeen, "its batch stream failed after " + produced + " batches: " + e.getMessage());
                }
            } finally {
                active.remove(runId, this);
                Thread.currentThread().setName(previousName);
            }
        }

        private void stream() throws InterruptedException, ExecutionException, TimeoutException {
            // One batch per step the run trains: a continuation's stream holds only the steps after its source's last.
            int steps = run.spec().batchCount();
            long start = endOffset();
            if (start >= steps) {
                LOG.infof("run %s: all %d batches are already on %s", runId, steps, topic);
                return;
            }
            LOG.infof("run %s: streaming batches %d..%d to %s (%d samples each, from a train subset of %d)", runId,
                    start, steps - 1, topic, batches.batchSize(), batches.subsetSize());
            // Registered once per stream: a per-batch lookup would cost a map probe per record for nothing.
            Counter batchCounter = Counter.builder("preflight.data.batches.produced")
                    .description("Train batches handed to the Kafka producer").tag("run", runId).register(meters);
            Counter byteCounter = Counter.builder("preflight.data.bytes.produced")
                    .description("Encoded train-batch bytes handed to the Kafka producer").tag("run", runId).register(meters);
            produced = start;
            // Removed when the stream ends, so a resumed stream registers a gauge that reads its own fields.
            Gauge ahead = Gauge.builder("preflight.data.batches.ahead", this, s -> s.produced - s.committedSeen)
                    .description("Batches produced but not yet committed by the run's trainer: the input pipeline's lag")
                    .tag("run", runId).strongReference(true).register(meters);
            try {
                produce(start, steps, batchCounter, byteCounter);
            } finally {
                meters.remove(ahead);
            }
        }

        private void produce(long start, int steps, Counter batchCounter, Counter byteCounter)
                throws InterruptedException, ExecutionException {

            long maxAhead = config.maxBatchesAhead();
            long stallNanos = config.stallTimeout().toNanos();
            long pollMillis = Math.max(1, config.progressPollInterval().toMillis());
            long committed = committedOffset();
            committedSeen = committed;
            long lastProgress = System.nanoTime();
            long lastRead = lastProgress;
            Future<RecordMetadata> last = null;

            for (long i = start; i < steps; i++) {
                while (i - committed >= maxAhead) {
                    if (cancelled()) {
                        return;
                    }
                    long now = committedOffset();
                    lastRead = System.nanoTime();
                    if (now > committed) {
                        committed = now;
                        committedSeen = now;
                        lastProgress = System.nanoTime();
                    } else if (System.nanoTime() - lastProgress > stallNanos) {
                        LOG.warnf("run %s: giving up on the stream at batch %d of %d: the trainer (group %s) has not "
                                        + "committed past offset %d for %s; the stream resumes if the run is started again",
                                runId, i, steps, Topics.trainerGroup(runId), committed, config.stallTimeout());
                        // Leave the active set before parking, so a STARTED event arriving now restarts the stream.
                        active.remove(runId, this);
                        parked.put(runId, new Parked(run, runsPartition));
                        return;
                    } else {
                        Thread.sleep(pollMillis);
                    }
                }
                if (cancelled()) {
                    return;
                }
                Exception failure = sendFailure.get();
                if (failure != null) {
                    throw new IllegalStateException("sending batch to " + topic + " failed: " + failure.getMessage(), failure);
                }
                // While not blocked the offset is otherwise never read; refresh it now and then so the gauge moves.
                if (System.nanoTime() - lastRead > GAUGE_REFRESH.toNanos()) {
                    committed = Math.max(committed, committedOffset());
                    committedSeen = committed;
                    lastRead = System.nanoTime();
                }
                int delay = run.spec().data().faultsOrNone().delay();
                if (delay > 0) {
                    // Fault drill: a slow data path (decoding, augmentation, I/O) the speed stage must call input-bound.
                    Thread.sleep(delay);
                }
                byte[] value = BatchCodec.encode(batches.streamBatch(run.spec().firstStep(), i));
                last = producer.send(new ProducerRecord<>(topic, 0, key, value), (metadata, e) -> {
                    if (e != null) {
                        sendFailure.compareAndSet(null, e);
                    }
                });
                produced = i + 1;
                batchCounter.increment();
                byteCounter.increment(value.length);
            }
            // Records of one partition complete in order, so the last one acknowledged means all are.
            if (last != null) {
                last.get();
            }
            LOG.infof("run %s: all %d batches streamed to %s", runId, steps, topic);
            // Keep the batches-ahead gauge true until the trainer has consumed the tail (or the run ends or stalls).
            long drainPoll = Math.max(pollMillis, GAUGE_REFRESH.toMillis());
            while (committed < steps && !cancelled() && System.nanoTime() - lastProgress <= stallNanos) {
                Thread.sleep(drainPoll);
                long now = committedOffset();
                if (now > committed) {
                    committed = now;
                    committedSeen = now;
                    lastProgress = System.nanoTime();
                }
            }
        }

        /**
         * The topic's end offset. Retried while the broker does not know the partition yet: a topic just created by
         * {@code start} reaches the broker's metadata cache asynchronously, and on a loaded machine the first lookup
         * can beat it (seen in tests as UnknownTopicOrPartitionException, which then ended the stream for good).
         */
        private long endOffset() throws InterruptedException, ExecutionException, TimeoutException {
            long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
            while (true) {
                try {
                    return admin.listOffsets(Map.of(partition, OffsetSpec.latest()))
                            .partitionResult(partition).get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).offset();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline || cancelReason != null) {
                        throw e;
                    }
                    Thread.sleep(50);
                }
            }
        }

        private boolean cancelled() {
            String reason = cancelReason;
            if (reason != null) {
                LOG.infof("run %s: stream stopped: %s", runId, reason);
                return true;
            }
            return false;
        }

        /** The trainer group's committed offset on the batch partition: batches it has consumed. 0 when none. */
        private long committedOffset() throws InterruptedException {
            try {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(Topics.trainerGroup(runId))
                        .partitionsToOffsetAndMetadata().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                OffsetAndMetadata committed = offsets.get(partition);
                offsetReadFailed = false;
                return committed == null ? 0 : committed.offset();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    return 0;
                }
                return unreadOffset(e.getCause());
            } catch (TimeoutException | KafkaException e) {
                return unreadOffset(e);
            }
        }

        /** Counts as no progress, which the stall timeout bounds; logged once per outage, not per 20 ms poll. */
        private long unreadOffset(Throwable cause) {
            if (!offsetReadFailed) {
                LOG.warnf("run %s: cannot read the committed offset of %s (%s); treating it as no progress",
                        runId, Topics.trainerGroup(runId), cause);
                offsetReadFailed = true;
            }
            return 0;
        }
    }
}
