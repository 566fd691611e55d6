package dev.preflight.wire;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The topic catalogue: every Preflight topic, its partitions and settings. Topics are created explicitly (the
 * broker's auto-creation is off), idempotently, by whichever component starts first. docs/ARCHITECTURE.md mirrors
 * this class.
 */
public final class Topics {

    /** Largest record we send: weight snapshots and image batches exceed Kafka's 1 MB default. */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    /** Run submissions. Key: run id. Value: {@link RunSubmitted} JSON. Also the trainers' work queue. */
    public static final String RUNS = "preflight.runs";
    /** Per-batch training metrics. Key: run id. Value: {@link TrainStep} JSON. */
    public static final String TRAIN_METRICS = "preflight.train-metrics";
    /** Per-iteration validation metrics. Key: run id. Value: {@link ValStep} JSON. */
    public static final String VAL_METRICS = "preflight.val-metrics";
    /** Run lifecycle (started, finished, failed). Key: run id. Value: {@link RunEvent} JSON. */
    public static final String RUN_EVENTS = "preflight.run-events";
    /** Commands to running runs (kill). Key: run id. Value: {@link RunCommand} JSON. Every trainer reads all of it. */
    public static final String CONTROL = "preflight.control";
    /**
     * Resumable training state. Key: run id. Value: i64 next batch offset + {@link SnapshotCodec} binary of every
     * variable (parameters, optimiser state). Compacted: only the latest checkpoint of a run matters.
     */
    public static final String CHECKPOINTS = "preflight.checkpoints";
    /**
     * Trainer leases on runs ({@link RunLease}). Key: run id. Value: {@link RunLease} JSON, a tombstone when released.
     * One partition: every replica reads all leases in one order, which arbitrates racing claims; records carry the
     * broker's append time, against which expiry is judged ({@link RunLease#supersedes}). Compacted, but never
     * within {@link #LEASE_COMPACTION_LAG_MS} of a write, so the order of recent claims stays readable.
     */
    public static final String LEASES = "preflight.leases";
    /** Minimum age of a lease record before compaction may drop it (see {@link #LEASES}). */
    public static final long LEASE_COMPACTION_LAG_MS = TimeUnit.HOURS.toMillis(1);
    /**
     * Dataset registrations: the data-service replicas' shared registry. Key: dataset name. Value: the registration
     * as {@code POST /api/datasets} took it (the data-service's {@code Registration} record, JSON). One partition, so
     * every replica reads every registration in one order; compacted: the latest registration of a name is what
     * counts, kept forever (a restarted or added replica rebuilds its registry from it).
     */
    public static final String DATASETS = "preflight.datasets";
    /**
     * The gateway's experiments (ladders it climbs), so they survive a gateway restart. Key: experiment id. Value: the
     * gateway's {@code ExperimentRecord} JSON (request, state, the stage being climbed, stages judged, report), the
     * latest of each experiment. Compacted: only an experiment's last record matters; 16 MiB because a finished
     * experiment carries its report.html (charts inlined).
     */
    public static final String EXPERIMENTS = "preflight.experiments";
    /** Model weights for the eval-service. Key: run id. Value: {@link SnapshotCodec} binary. */
    public static final String SNAPSHOTS = "preflight.snapshots";
    /**
     * The eval-service's "done with a snapshot, ready for the next" ({@link EvalReady}). Key: run id. The trainer
     * paces snapshots by it; every trainer replica reads all of it from its end (only news matter).
     */
    public static final String EVAL_READY = "preflight.eval-ready";
    /**
     * Per-sample predictions of a run's final weights over a whole split ({@link SamplePredictions}), for the runs
     * whose spec asks ({@link RunSpec#predictions()}). Key: run id. Value: JSON, one chunk of consecutive split
     * positions per record. Kept 30 days like the metric topics: the gateway rebuilds them with the history.
     */
    public static final String SAMPLE_PREDICTIONS = "preflight.sample-predictions";
    /** Records no consumer could process, with the reason in headers. Value: the original bytes. */
    public static final String DEAD_LETTERS = "preflight.dead-letters";
    /** Prefix of the per-run train-batch streams: {@code preflight.batches.<runId>}. Value: {@link BatchCodec}. */
    public static final String BATCHES_PREFIX = "preflight.batches.";

    /**
     * Partitions of the run queue: the upper bound on trainer replicas that can take runs at once. Runs are keyed by
     * id, so they spread over partitions; an idle trainer leaves the group while it trains (see TrainerLoop).
     */
    public static final int RUN_PARTITIONS = 12;

    private static final long HOUR_MS = TimeUnit.HOURS.toMillis(1);
    private static final long DAY_MS = TimeUnit.DAYS.toMillis(1);

    private Topics() {
    }

    public static String batches(String runId) {
        return BATCHES_PREFIX + runId;
    }

    /**
     * The consumer group whose committed offset on {@link #batches(String)} marks the trainer's progress. The
     * data-service reads it to stay a bounded number of batches ahead; a resumed trainer seeks to it.
     */
    public static String trainerGroup(String runId) {
        return "preflight-trainer-" + runId;
    }

    /** Creates every static topic that does not exist yet on the cluster at {@code bootstrapServers}. */
    public static void ensureAll(String bootstrapServers) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            ensureAll(admin);
        }
    }

    /** Every static topic. Metric topics keep 30 days because the gateway rebuilds its history from them. */
    public static List<NewTopic> catalogue() {
        List<NewTopic> topics = new ArrayList<>();
        topics.add(topic(RUNS, RUN_PARTITIONS, 7 * DAY_MS, false));
        topics.add(topic(TRAIN_METRICS, 4, 30 * DAY_MS, false));
        topics.add(topic(VAL_METRICS, 4, 30 * DAY_MS, false));
        topics.add(topic(RUN_EVENTS, 4, 30 * DAY_MS, false));
        topics.add(topic(SNAPSHOTS, 4, HOUR_MS, true));
        topics.add(topic(CONTROL, 1, 7 * DAY_MS, false));
        topics.add(topic(EVAL_READY, 4, HOUR_MS, false));
        NewTopic checkpoints = topic(CHECKPOINTS, 4, 7 * DAY_MS, true);
        checkpoints.configs().put("cleanup.policy", "compact");
        topics.add(checkpoints);
        NewTopic leases = topic(LEASES, 1, 7 * DAY_MS, false);
        leases.configs().put("cleanup.policy", "compact");
        leases.configs().put("min.compaction.lag.ms", String.valueOf(LEASE_COMPACTION_LAG_MS));
        // One clock for every lease record: expiry is judged on the broker's append times, never between machines.
        leases.configs().put("message.timestamp.type", "LogAppendTime");
        topics.add(leases);
        NewTopic datasets = topic(DATASETS, 1, 7 * DAY_MS, false);
        datasets.configs().put("cleanup.policy", "compact");
        topics.add(datasets);
        NewTopic experiments = topic(EXPERIMENTS, 1, 30 * DAY_MS, true);
        experiments.configs().put("cleanup.policy", "compact");
        topics.add(experiments);
        topics.add(topic(SAMPLE_PREDICTIONS, 4, 30 * DAY_MS, true));
        topics.add(topic(DEAD_LETTERS, 1, 30 * DAY_MS, true));
        return topics;
    }

    /**
     * Prefix of the uploaded Keras weight files: {@code preflight.weights.<id>}, one per upload, its chunks in order.
     * Value: {@link WeightsUploads} chunk binary.
     */
    public static final String WEIGHTS_PREFIX = "preflight.weights.";

    public static String weights(String uploadId) {
        return WEIGHTS_PREFIX + uploadId;
    }

    /**
     * An uploaded weights file: one partition, so chunks stay in order; kept 30 days like the run history that may
     * resubmit runs reading it.
     */
    public static NewTopic weightsStream(String uploadId) {
        return topic(weights(uploadId), 1, 30 * DAY_MS, true);
    }

    /** A run's batch stream: one partition so offsets equal batch indices, which makes replay-from-offset exact. */
    public static NewTopic batchStream(String runId) {
        return topic(batches(runId), 1, DAY_MS, true);
    }

    private static NewTopic topic(String name, int partitions, long retentionMs, boolean large) {
        Map<String, String> config = new java.util.HashMap<>();
        config.put("retention.ms", String.valueOf(retentionMs));
        config.put("cleanup.policy", "delete");
        if (large) {
            config.put("max.message.bytes", String.valueOf(MAX_MESSAGE_BYTES));
        }
        return new NewTopic(name, partitions, (short) 1).configs(config);
    }

    public static void ensureAll(Admin admin) {
        ensure(admin, catalogue());
    }

    /** Creates the topics that do not exist yet; existing ones are left as they are. */
    public static void ensure(Admin admin, Collection<NewTopic> topics) {
        for (var entry : admin.createTopics(topics).values().entrySet()) {
            try {
                entry.getValue().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + entry.getKey() + ": " + e.getCause().getMessage(), e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating topic " + entry.getKey(), e);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("timed out creating topic " + entry.getKey(), e);
            }
        }
    }
}
