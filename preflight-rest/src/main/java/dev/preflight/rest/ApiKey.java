package dev.preflight.rest;

import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The one API key a service requires on its {@link Mutating} endpoints. Each service produces its own (a CDI producer
 * reading its {@code @ConfigMapping}), naming the setting and environment variable that choose it, so the startup
 * warning tells the operator exactly what to set.
 */
public final class ApiKey {

    private static final Logger LOG = Logger.getLogger(ApiKey.class);

    private final byte[] key;

    private ApiKey(String key) {
        this.key = key.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param configured the configured key; empty or blank: a random 128-bit key is made up and logged once, so a
     *                   fresh deployment is never open
     * @param property   the configuration property that sets it (for the log line), e.g. {@code preflight.gateway.api-key}
     * @param env        the environment variable that sets it, e.g. {@code PREFLIGHT_GATEWAY_API_KEY}
     */
    public static ApiKey configuredOrGenerated(Optional<String> configured, String property, String env) {
        String key = configured.filter(k -> !k.isBlank()).orElse(null);
        if (key == null) {
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            key = HexFormat.of().formatHex(random);
            LOG.warnf("%s is not set: generated %s for this process; set %s to choose one", property, key, env);
        }
        return new ApiKey(key);
    }

    /** Whether a presented key is this one. Constant-time: the time taken must not reveal how much of a guess was right. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(key, presented.getBytes(StandardCharsets.UTF_8));
    }
}
