package dev.preflight.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

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
}
