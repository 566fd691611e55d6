package dev.preflight.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The gateway's own settings. Kafka itself is configured through {@code kafka.bootstrap.servers} and the
 * {@code mp.messaging.*} channel keys, which the messaging connector owns.
 */
@ConfigMapping(prefix = "preflight.gateway")
public interface GatewayConfig {

    /**
     * Create the missing Preflight topics at startup ({@code Topics.ensureAll}), so that the gateway works against a
     * fresh broker whose auto-creation is off. Turn it off where topics are provisioned by operators and the gateway
     * has no right to create them.
     */
    @WithDefault("true")
    boolean ensureTopics();

    /**
     * How long {@code POST /api/runs} waits for the broker to acknowledge the run before answering 503. A run is only
     * reported accepted once Kafka has it; a late ack still lands the run, which then shows up under its id.
     */
    @WithDefault("15s")
    Duration submitTimeout();

    /**
     * How long the Prometheus meters of a finished, failed or killed run stay registered after it ended. Long enough
     * for dashboards to show the final values, short enough that thousands of ablation runs do not pile up series.
     * The run's exact history stays available over REST regardless.
     */
    @WithDefault("10m")
    Duration meterRetention();

    /**
     * Root of the TensorBoard log directory: {@code <dir>/<runId>/train/events.out.tfevents.*} and {@code /val/}.
     * Unset (the default) turns the export off: a gateway in a container has no business writing files nobody
     * mounted. Docker compose sets it to a volume; on a laptop point it anywhere and run {@code tensorboard --logdir}.
     */
    Optional<Path> tensorboardDir();

    /**
     * Base URL of the data-service. Set, every submission is first checked against it ({@code POST <url>/api/run-checks}:
     * dataset known, subset not larger than the train split, ...) and refused with a 400 naming the problem, or a 503
     * when the data-service cannot be asked; TensorBoard gets per-run preview images
     * ({@code GET <url>/api/runs/<runId>/preview.png?split=train|val}); experiments can run. Unset: runs are accepted
     * without that check (a run the data-service cannot stream then ends FAILED with its reason within seconds of
     * the submission), no images, no experiments.
     */
    Optional<String> dataServiceUrl();

    /**
     * How long a submission waits for the data-service's run check before it is answered 503 (nothing submitted). The
     * first check of a registered dataset after a data-service restart loads its files, hence generous.
     */
    @WithDefault("30s")
    Duration dataCheckTimeout();

    /**
     * The API key required on every mutating endpoint (submit, kill, experiments), in the {@code X-API-Key} header or
     * as the HTTP Basic password. Unset: a random key is generated at startup and logged once, so a deployment that
     * forgot to set one is locked rather than open.
     */
    Optional<String> apiKey();

    /**
     * How long a run's trainer lease may go unrenewed before the gateway declares the run LOST (a LOST event, a FAIL
     * command, its meters retire): its trainer vanished and no replica took it over. Trainers renew every second and an
     * idle replica takes over a lease silent for its TTL (10 s) within about 15 s, so only a run no replica can take
     * (none alive, all busy) gets here. Raise it where every replica is often busy for long: a lost run stays lost.
     */
    @WithDefault("2m")
    Duration lostAfter();

    /** How long a preview-image fetch may take before it is given up (it never delays anything else). */
    @WithDefault("10s")
    Duration previewTimeout();

    /**
     * The largest Keras weights file {@code POST /api/models/weights} takes (ResNet50's are 98 MiB). Over it: 413 naming
     * this key. {@code quarkus.http.limits.max-body-size} follows it (the HTTP layer's hard ceiling); every other
     * endpoint keeps {@link #maxJsonBodySize()}.
     */
    @WithDefault("128M")
    io.quarkus.runtime.configuration.MemorySize maxWeightsSize();

    /**
     * The largest body of every JSON endpoint: a run spec or an experiment is a few KiB (a big Keras definition a few
     * hundred); 1 MiB leaves room and refuses junk early. Over it: 413 naming this key.
     */
    @WithDefault("1M")
    io.quarkus.runtime.configuration.MemorySize maxJsonBodySize();
}
