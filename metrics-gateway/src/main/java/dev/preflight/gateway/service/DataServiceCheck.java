package dev.preflight.gateway.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunSpec;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/**
 * What can be checked at submission is checked at submission: before a run is published, the data-service is asked
 * whether it can stream it ({@code POST <data-service-url>/api/run-checks}, the very checks its stream runs before it
 * starts: dataset known and loadable, subset not larger than the train split of the run's seed and val fraction,
 * augmentation and balancing applicable). A refusal becomes a 400 naming the problem; a data-service that cannot be
 * asked, a 503 saying so. Nothing is published in either case. Without {@code preflight.gateway.data-service-url}
 * there is nothing to ask and every valid spec is accepted as before.
 */
@ApplicationScoped
public class DataServiceCheck {

    /** The data-service would refuse the run; {@code problems} are its reasons, in its words. */
    public static final class RejectedException extends RuntimeException {
        private final List<String> problems;

        RejectedException(List<String> problems) {
            super(String.join("; ", problems));
            this.problems = problems;
        }

        public List<String> problems() {
            return problems;
        }
    }

    /** The data-service could not be asked (down, too slow, broken); the message says which and why. */
    public static final class UnavailableException extends RuntimeException {
        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Optional<String> url;
    private final Duration timeout;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    public DataServiceCheck(GatewayConfig config) {
        this.url = config.dataServiceUrl().map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
        this.timeout = config.dataCheckTimeout();
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** Whether submissions are checked at all. */
    public boolean enabled() {
        return url.isPresent();
    }

    /**
     * Completes when the data-service would stream the run (or there is no data-service to ask); fails with
     * {@link RejectedException} or {@link UnavailableException}. Never blocks the caller's thread.
     */
    public Uni<Void> check(RunSpec spec) {
        if (url.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String endpoint = url.get() + "/api/run-checks";
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(endpoint)).timeout(timeout)
                    .header("Content-Type", "application/json").header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.encode(spec))).build();
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(new UnavailableException("preflight.gateway.data-service-url '" + url.get()
                    + "' is not a usable URL: " + e.getMessage(), e));
        }
        return Uni.createFrom().completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.ofString()))
                .onFailure().transform(e -> new UnavailableException("cannot check the run with the data-service at " + url.get()
                        + ": " + transportProblem(e), e))
                .map(response -> {
                    int status = response.statusCode();
                    if (status == 200) {
                        return null;
                    }
                    String error = error(response.body());
                    if (status == 400 || status == 422) {
                        throw new RejectedException(List.of(error));
                    }
                    throw new UnavailableException("cannot check the run with the data-service at " + url.get() + ": POST "
                            + "/api/run-checks answered HTTP " + status + (status == 404 ? " (a data-service older than the "
                            + "run check?)" : "") + (error.isBlank() ? "" : ": " + error), null);
                })
                .replaceWithVoid();
    }

    private String transportProblem(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof HttpTimeoutException) {
            return "no answer within " + timeout.toSeconds() + " s (preflight.gateway.data-check-timeout)";
        }
        if (cause instanceof java.net.ConnectException) {
            return "connection refused (is it running?)";
        }
        if (cause instanceof IOException) {
            return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        }
        return cause.toString();
    }

    /** The data-service's {@code error} field, or the body itself when it is not that JSON. */
    private String error(String body) {
        try {
            JsonNode node = json.readTree(body);
            if (node != null && node.hasNonNull("error")) {
                return node.path("error").asText();
            }
        } catch (IOException e) {
            // not JSON: the body itself
        }
        return body == null ? "" : body.strip();
    }
}
