package dev.preflight.ladder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** The ladder's view of the data-service: registration, stats, val batches and preview grids. */
public final class DataClient {

    private final String base;
    /** The data-service's API key, sent on registration (its only mutating endpoint); null: none sent. */
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    /** A client for reads only: registration answers 401 without the key. */
    public DataClient(String baseUrl) {
        this(baseUrl, null);
    }

    /** @param apiKey the data-service's API key ({@code X-API-Key}), needed to register datasets */
    public DataClient(String baseUrl, String apiKey) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey;
    }

    /**
     * The preview grid of a run's batch (train: after augmentation, as the trainer receives it; val: as stored), or
     * null when the data-service cannot render it: a report without pictures beats no report.
     */
    public byte[] runPreview(String runId, String split) {
        return png(base + "/api/runs/" + runId + "/preview.png?split=" + split);
    }

    /** A labelled grid of the dataset's samples, or null when the data-service cannot render it. */
    public byte[] datasetPreview(String dataset) {
        return png(base + "/api/datasets/" + encode(dataset) + "/preview.png");
    }

    private byte[] png(String uri) {
        try {
            HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30)).GET(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (GatewayClient.GatewayException e) {
            return null;
        }
    }

    /**
     * The data-service refused a dataset the user gave (HTTP 400 or 422): bad input, not a broken Preflight. The
     * message is the data-service's own reason, naming file, line or column.
     */
    public static final class DatasetRejectedException extends RuntimeException {
        public DatasetRejectedException(String message) {
            super(message);
        }
    }

    /**
     * Registers a dataset (path relative to the data-service's root); returns its summary. A taken name is fine.
     *
     * @throws DatasetRejectedException when the data-service refuses the files or options (400, 422), with its reason
     */
    public JsonNode register(Map<String, Object> request) {
        String body;
        try {
            body = json.writeValueAsString(request);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode " + request, e);
        }
        HttpRequest.Builder post = HttpRequest.newBuilder(URI.create(base + "/api/datasets")).timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null && !apiKey.isBlank()) {
            post.header("X-API-Key", apiKey);
        }
        HttpResponse<String> r = send(post, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 400 || r.statusCode() == 422) {
            String reason;
            try {
                reason = json.readTree(r.body()).path("error").asText(r.body());
            } catch (IOException e) {
                reason = r.body();
            }
            throw new DatasetRejectedException(reason);
        }
        return expect(r, r.statusCode() == 201 || r.statusCode() == 409, "cannot register " + request.get("path"));
    }

    /** A batch of val samples, as the eval-service gets them. */
    public Batch valBatch(String dataset, long splitSeed, double valFraction, int size, long sampleSeed) {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create(base + "/api/datasets/" + encode(dataset)
                        + "/val-batch?splitSeed=" + splitSeed + "&valFraction=" + valFraction + "&size=" + size + "&sampleSeed=" + sampleSeed))
                .timeout(Duration.ofMinutes(1)).GET(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new GatewayClient.GatewayException("val batch of " + dataset + ": HTTP " + r.statusCode());
        }
        return BatchCodec.decode(r.body());
    }

    /**
     * The samples at {@code indices} (dataset indices, at most 256), bytes as stored and features unscaled, in that
     * order: what a report gallery shows of them.
     */
    public Batch samples(String dataset, int[] indices) {
        String list = java.util.Arrays.stream(indices).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(","));
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create(base + "/api/datasets/" + encode(dataset) + "/samples?indices=" + list))
                .timeout(Duration.ofMinutes(1)).GET(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new GatewayClient.GatewayException("samples " + list + " of " + dataset + ": HTTP " + r.statusCode() + ": "
                    + new String(r.body(), StandardCharsets.UTF_8));
        }
        return BatchCodec.decode(r.body());
    }

    public JsonNode stats(String dataset, long splitSeed, double valFraction) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/api/datasets/" + encode(dataset)
                + "/stats?splitSeed=" + splitSeed + "&valFraction=" + valFraction)).timeout(Duration.ofMinutes(2)).GET(),
                HttpResponse.BodyHandlers.ofString());
        return expect(r, r.statusCode() == 200, "dataset " + dataset);
    }

    private JsonNode expect(HttpResponse<String> r, boolean ok, String what) {
        JsonNode body;
        try {
            body = json.readTree(r.body());
        } catch (IOException e) {
            throw new GatewayClient.GatewayException(what + ": HTTP " + r.statusCode() + ": unreadable answer " + r.body());
        }
        if (!ok) {
            throw new GatewayClient.GatewayException(what + ": HTTP " + r.statusCode() + ": " + body.path("error").asText(r.body()));
        }
        return body;
    }

    /** One place that turns transport failures into the client's exception, naming the data-service. */
    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request.build(), handler);
        } catch (IOException e) {
            throw new GatewayClient.GatewayException("data-service at " + base + " unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayClient.GatewayException("interrupted");
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
