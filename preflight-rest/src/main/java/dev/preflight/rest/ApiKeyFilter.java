package dev.preflight.rest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Credentials on every endpoint that changes something ({@link Mutating}: the gateway's submit and kill, the
 * data-service's dataset registration): the key in the {@code X-API-Key} header, or as the password of HTTP Basic (any
 * user name), so both scripts and browsers work. The key is the service's {@link ApiKey} bean. Reads need none.
 */
@Provider
@Mutating
@ApplicationScoped
public class ApiKeyFilter implements ContainerRequestFilter {

    public static final String HEADER = "X-API-Key";

    private final ApiKey key;

    public ApiKeyFilter(ApiKey key) {
        this.key = key;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String presented = request.getHeaderString(HEADER);
        if (presented == null) {
            presented = basicPassword(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        }
        if (!key.matches(presented)) {
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
