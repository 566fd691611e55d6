package dev.preflight.data.messaging;

import dev.preflight.wire.Topics;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Creates every Preflight topic that is missing, at startup. The broker does not auto-create topics (a typo must not
 * create one), and no component can assume another started first, so each service ensures the catalogue itself.
 */
@ApplicationScoped
public class TopicBootstrap {

    private static final Logger LOG = Logger.getLogger(TopicBootstrap.class);

    @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092")
    String bootstrapServers;

    void onStart(@Observes StartupEvent event) {
        Topics.ensureAll(bootstrapServers);
        LOG.infof("Preflight topics present on %s", bootstrapServers);
    }
}
