package dev.preflight.ladder;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The CLI's view of the metrics-gateway REST API (the user's front door). */
public final class GatewayClient implements Runs {

    /** Tolerant reader: the gateway may add fields; the CLI reads the ones it knows. */
    private static final ObjectMapper READER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private final String base;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A client whose mutating calls carry the key in $PREFLIGHT_API_KEY (reads need none). */
    public GatewayClient(String baseUrl) {
        this(baseUrl, System.getenv("PREFLIGHT_API_KEY"));
    }

    /** @param apiKey sent as X-API-Key on submit and kill; null for read-only use */
    public GatewayClient(String baseUrl, String apiKey) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey;
    }

    /** Submits a run; returns its id. A rejected spec (HTTP 400) throws {@link RejectedException} with the gateway's problems. */
    @Override
    public String submit(RunSpec spec) {
        try {
            JsonNode body = send(HttpRequest.newBuilder(URI.create(base + "/api/runs"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.encode(spec))), 202);
            return body.get("runId").asText();
        } catch (GatewayException e) {
            if (e.getMessage().contains("HTTP 400")) {
                throw new RejectedException(e.getMessage());
            }
            throw e;
        }
    }

    /**
     * Sends a Keras weights file ({@code POST /api/models/weights}) so the gateway's trainers can read it wherever they
     * run; returns what a run spec's {@code model.kerasWeights} says to use it ({@code upload:<id>}).
     *
     * @throws GatewayException naming the gateway's refusal (not HDF5, over its size limit, ...) or an unreadable file
     */
    public String uploadWeights(java.nio.file.Path file) {
        try {
            return send(HttpRequest.newBuilder(URI.create(base + "/api/models/weights"))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofFile(file)), 201).get("reference").asText();
        } catch (java.io.FileNotFoundException e) {
            throw new GatewayException("cannot read weights file " + file);
        }
    }

    @Override
    public Status status(String runId) {
        JsonNode r = run(runId);
        return new Status(runId, r.path("state").asText(), r.path("step").asInt(0), r.path("trainLoss").asDouble(Double.NaN),
                r.path("valLoss").asDouble(Double.NaN), r.path("message").asText(""), optionalInt(r, "stoppedEarlyAt"),
                optionalInt(r, "bestStep"));
    }

    private static Integer optionalInt(JsonNode r, String field) {
        return r.path(field).isInt() ? r.path(field).asInt() : null;
    }

    /** Asks the run's trainer to stop it; a run that already ended is left as it is (true if the kill was sent). */
    @Override
    public boolean kill(String runId, String reason) {
        try {
            send(HttpRequest.newBuilder(URI.create(base + "/api/runs/" + runId + "/kill"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.encode(java.util.Map.of("reason", reason)))), 202);
            return true;
        } catch (GatewayException e) {
            if (e.getMessage().contains("HTTP 409")) {
                return false;
            }
            throw e;
        }
    }

    /**
     * {@code POST /api/runs/{id}/continue}: a new run that trains the finished run {@code runId} on for {@code steps}
     * more steps from its final checkpoint; returns the new run's id.
     *
     * @throws RejectedException with the gateway's one-line reason when it refuses (unknown run, still running, not
     *                           finished, no final checkpoint, steps < 1)
     */
    public String continueRun(String runId, int steps) {
        try {
            return send(HttpRequest.newBuilder(URI.create(base + "/api/runs/" + runId + "/continue"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.encode(java.util.Map.of("steps", steps)))), 202)
                    .path("runId").asText();
        } catch (GatewayException e) {
            if (e.getMessage().matches("(?s).*-> HTTP 4\\d\\d: .*")) {
                throw new RejectedException(e.getMessage().substring(e.getMessage().indexOf(": ", e.getMessage().indexOf("-> HTTP")) + 2));
            }
            throw e;
        }
    }

    public JsonNode runs() {
        return send(HttpRequest.newBuilder(URI.create(base + "/api/runs")).GET(), 200);
    }

    /** The gateway's full run detail (spec, worker, …) as JSON; {@link #status} is the typed part the ladder uses. */
    public JsonNode run(String runId) {
        return send(HttpRequest.newBuilder(URI.create(base + "/api/runs/" + runId)).GET(), 200);
    }

    @Override
    public History history(String runId) {
        JsonNode body = send(HttpRequest.newBuilder(URI.create(base + "/api/runs/" + runId + "/history")).GET(), 200);
        List<TrainStep> train = new ArrayList<>();
        List<ValStep> val = new ArrayList<>();
        try {
            for (JsonNode n : body.path("train")) {
                train.add(READER.treeToValue(n, TrainStep.class));
            }
            for (JsonNode n : body.path("val")) {
                val.add(READER.treeToValue(n, ValStep.class));
            }
        } catch (IOException e) {
            throw new GatewayException("unreadable history for " + runId + ": " + e.getMessage());
        }
        return new History(train, val);
    }

    /** {@code GET /api/runs/{id}/predictions?split=}: empty while the gateway answers 409 (not yet, or not asked). */
    @Override
    public java.util.Optional<dev.preflight.wire.SamplePredictions> predictions(String runId, String split) {
        JsonNode body;
        try {
            body = send(HttpRequest.newBuilder(URI.create(base + "/api/runs/" + runId + "/predictions?split=" + split)).GET(), 200);
        } catch (GatewayException e) {
            if (e.getMessage().contains("HTTP 409")) {
                return java.util.Optional.empty();
            }
            throw e;
        }
        try {
            return java.util.Optional.of(READER.treeToValue(body, dev.preflight.wire.SamplePredictions.class));
        } catch (IOException e) {
            throw new GatewayException("unreadable predictions of " + runId + ": " + e.getMessage());
        }
    }

    private JsonNode send(HttpRequest.Builder request, int expected) {
        if (apiKey != null && !apiKey.isBlank()) {
            request.header("X-API-Key", apiKey);
        }
        HttpRequest r = request.timeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<String> response = http.send(r, HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isBlank() ? READER.createObjectNode() : READER.readTree(response.body());
            if (response.statusCode() != expected) {
                String detail = body.has("problems") ? body.get("problems").toString()
                        : body.has("error") ? body.get("error").asText() : response.body();
                throw new GatewayException(r.method() + " " + r.uri().getPath() + " -> HTTP " + response.statusCode() + ": " + detail);
            }
            return body;
        } catch (IOException e) {
            throw new GatewayException("gateway at " + base + " unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException("interrupted");
        }
    }

    public static final class GatewayException extends RuntimeException {
        public GatewayException(String message) {
            super(message);
        }
    }
}
