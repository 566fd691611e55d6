package dev.preflight.data.rest;

import dev.preflight.data.config.DataServiceConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Credentials on every endpoint that changes something ({@link Mutating}: dataset registration), exactly as on the
 * gateway: the key in the {@code X-API-Key} header, or as the password of HTTP Basic (any user name). Without a
 * configured key ({@code preflight.data.api-key}, env {@code PREFLIGHT_DATA_API_KEY}) one is made up at startup and
 * logged once: a fresh deployment is never open. Reads (datasets, stats, batches, previews, run checks) need none.
 */
@Provider
@Mutating
@ApplicationScoped
@Startup // built at startup, so a generated key is logged before the first request
public class ApiKeyFilter implements ContainerRequestFilter {

    private static final Logger LOG = Logger.getLogger(ApiKeyFilter.class);
    public static final String HEADER = "X-API-Key";

    private final byte[] key;

    public ApiKeyFilter(DataServiceConfig config) {
        String configured = config.apiKey().filter(k -> !k.isBlank()).orElse(null);
        if (configured == null) {
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            configured = HexFormat.of().formatHex(random);
            LOG.warnf("preflight.data.api-key is not set: generated %s for this process; set PREFLIGHT_DATA_API_KEY "
                    + "to choose one", configured);
        }
        this.key = configured.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String presented = request.getHeaderString(HEADER);
        if (presented == null) {
            presented = basicPassword(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        }
        // Constant-time comparison: the time taken must not reveal how much of a guess was right.
        if (presented == null || !MessageDigest.isEqual(key, presented.getBytes(StandardCharsets.UTF_8))) {
            request.abortWith(Response.status(Response.Status.UNAUTHORIZED)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"preflight\"")
                    .type(MediaType.APPLICATION_JSON)
                    .entity(new ApiError(presented == null
                            ? "credentials required: send the API key in the " + HEADER + " header (or as the HTTP Basic password)"
                            : "wrong API key (" + HEADER + " header or HTTP Basic password)"))
                    .build());
        }
    }

    private static String basicPassword(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? null : decoded.substring(colon + 1);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
