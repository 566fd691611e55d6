package dev.preflight.gateway.rest;

import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.rest.ApiKey;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The gateway's API key for submit, kill and experiments ({@code preflight.gateway.api-key}), checked by the shared filter. */
@ApplicationScoped
public class ApiKeyProducer {

    @Produces
    @Singleton
    @Startup // made at startup, so a generated key is logged before the first request
    ApiKey apiKey(GatewayConfig config) {
        return ApiKey.configuredOrGenerated(config.apiKey(), "preflight.gateway.api-key", "PREFLIGHT_GATEWAY_API_KEY");
    }
}
