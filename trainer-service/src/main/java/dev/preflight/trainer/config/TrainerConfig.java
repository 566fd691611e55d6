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
     * TensorFlow intra-op threads per training session; 0 = one per core. Small models gain little from more threads,
     * and TensorFlow's pool busy-waits, starving services on the same machine. Raise it on a dedicated node.
     */
    @WithName("tf-threads")
    @WithDefault("1")
    int tfThreads();

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
