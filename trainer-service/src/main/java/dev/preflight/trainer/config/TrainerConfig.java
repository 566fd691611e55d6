package dev.preflight.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.Optional;

/** Trainer settings ({@code preflight.trainer.*}). */
@ConfigMapping(prefix = "preflight.trainer")
public interface TrainerConfig {

    /** This replica's name in run events; defaults to the host name (the pod name on Kubernetes). */
    @WithName("worker-id")
    Optional<String> workerId();

    /** Consumer group shared by all trainer replicas: each run is taken by exactly one of them. */
    @WithDefault("preflight-trainers")
    String group();

    /**
     * How long to wait for the next batch before failing the run. Long enough for a slow data-service start, short
     * enough that a dead data path fails loudly instead of hanging.
     */
    @WithName("batch-timeout")
    @WithDefault("PT2M")
    Duration batchTimeout();

    /**
     * TensorFlow intra-op threads of the training session (one op split over this many cores). Unset or 0: every core
     * this JVM may use ({@code Runtime.availableProcessors()}, which honours a container's CPU limit): right for a
     * trainer with a machine or pod of its own. On a machine shared with other services, give the trainer its share
     * (docs/performance.md: the trainer's and the eval-service's threads together at most the cores, spinning off);
     * {@code preflight demo}/{@code bench} set it for their stack.
     */
    @WithName("tf-threads")
    java.util.OptionalInt tfThreads();

    /** TensorFlow inter-op threads (independent ops at once). Our graphs are mostly one chain of big ops: 1. */
    @WithName("tf-inter-op-threads")
    @WithDefault("1")
    int tfInterOpThreads();

    /**
     * Whether TensorFlow's idle pool threads busy-wait for the next op. Off by default: spinning threads take cores
     * from everything else on the machine (Kafka, the data-service, the eval-service). On a dedicated node turning it
     * on can save a little per op (docs/performance.md has the measured figure).
     */
    @WithName("tf-thread-spinning")
    @WithDefault("false")
    boolean tfThreadSpinning();

    /**
     * Devices one run trains on, data-parallel in one graph (a model tower per device, each step's batch split evenly
     * across them, the towers' gradients averaged before the update; see docs/ARCHITECTURE.md, trainer). Unset: every
     * GPU TensorFlow sees, as many of them as a run's batch splits evenly over (a one-sample overfit trains on one),
     * or 1 on a machine or build without a GPU. A number N: exactly N towers, on the first N GPUs, or on a machine
     * without a GPU on N virtual CPU devices (which share the same cores: for testing the multi-device graph, not for
     * speed); a run whose batch size does not divide by N fails at its first batch with both numbers in the message.
     * Checkpoints and snapshots do not depend on it: a run resumes on a replica with another device count.
     */
    @WithName("devices")
    java.util.OptionalInt devices();

    /**
     * Snapshots on demand: how many published weight snapshots of a run may be waiting for the eval-service at once
     * (not yet reported validated on {@code preflight.eval-ready}). 2 keeps the eval-service busy without a snapshot
     * ever being replaced unvalidated; 0 turns pacing off (a snapshot every {@code snapshotEvery} steps). Step 0 and
     * the last step are always published.
     */
    @WithName("snapshots-in-flight")
    @WithDefault("2")
    int snapshotsInFlight();

    /**
     * A published snapshot the eval-service has not reported done after this long no longer holds the next one back
     * (an eval-service that is down, restarting or too old to report): at worst one snapshot per this interval.
     */
    @WithName("snapshot-ack-timeout")
    @WithDefault("PT10S")
    Duration snapshotAckTimeout();

    /**
     * Where finished models are exported as SavedModels ({@code <dir>/<runId>}, serving signature
     * "serving_default": features in, probabilities out). Unset: no export.
     */
    @WithName("export-dir")
    Optional<java.nio.file.Path> exportDir();

    /** Whether this replica takes runs from the queue at all (off in tests that drive a job directly). */
    @WithName("queue-enabled")
    @WithDefault("true")
    boolean queueEnabled();

    /**
     * How long a run's lease lives without a renewal. Another replica declares the run lost and resumes it from its
     * last checkpoint after this much silence; a holder that could not renew within it stops publishing (and stops
     * for good once it reads a takeover). Detection time is about this plus one heartbeat.
     */
    @WithName("lease-ttl")
    @WithDefault("PT10S")
    Duration leaseTtl();

    /** How often the holder renews its lease: several renewals per TTL, so one slow write does not lose the run. */
    @WithName("lease-heartbeat")
    @WithDefault("PT1S")
    Duration leaseHeartbeat();
}
