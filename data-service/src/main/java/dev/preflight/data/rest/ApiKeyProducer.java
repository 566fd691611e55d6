package dev.preflight.data.rest;

import dev.preflight.data.config.DataServiceConfig;
import dev.preflight.rest.ApiKey;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The data-service's API key for dataset registration ({@code preflight.data.api-key}), checked by the shared filter. */
@ApplicationScoped
public class ApiKeyProducer {

    @Produces
    @Singleton
    @Startup // made at startup, so a generated key is logged before the first request
    ApiKey apiKey(DataServiceConfig config) {
        return ApiKey.configuredOrGenerated(config.apiKey(), "preflight.data.api-key", "PREFLIGHT_DATA_API_KEY");
    }
}
