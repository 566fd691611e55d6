package dev.preflight.gateway.messaging;

import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.wire.Topics;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Creates the missing Preflight topics before the messaging channels start, so that a gateway started first against
 * a fresh broker (auto-creation off) subscribes to topics that exist instead of waiting on unknown ones.
 */
@ApplicationScoped
public class TopicBootstrap {

    private static final Logger LOG = Logger.getLogger(TopicBootstrap.class);

    private final GatewayConfig config;
    private final String bootstrapServers;

    public TopicBootstrap(GatewayConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.config = config;
        this.bootstrapServers = bootstrapServers;
    }

    // PLATFORM_BEFORE runs ahead of the messaging extension's own StartupEvent observer (LIBRARY_BEFORE), which
    // connects the channels. A failure aborts startup: without its topics the gateway could only serve empty data.
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        if (!config.ensureTopics()) {
            LOG.info("preflight.gateway.ensure-topics=false: expecting the Preflight topics to exist");
            return;
        }
        Topics.ensureAll(bootstrapServers);
        LOG.infof("Preflight topics present on %s", bootstrapServers);
    }
}
