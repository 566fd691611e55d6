package dev.preflight.ladder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The CLI's view of the data-service: dataset statistics for the data-check stage. */
public final class DataClient {

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    public DataClient(String baseUrl) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /**
     * The preview grid of a run's batch (train: after augmentation, as the trainer receives it; val: as stored), or
     * null when the data-service cannot render it: a report without pictures beats no report.
     */
    public byte[] runPreview(String runId, String split) {
        return png(URI.create(base + "/api/runs/" + runId + "/preview.png?split=" + split));
    }

    /** A labelled grid of the dataset's samples, or null when the data-service cannot render it. */
    public byte[] datasetPreview(String dataset) {
        return png(URI.create(base + "/api/datasets/" + URLEncoder.encode(dataset, StandardCharsets.UTF_8) + "/preview.png"));
    }

    private byte[] png(URI uri) {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Registers a dataset (path relative to the data-service's root); returns the data-service's summary. */
    public JsonNode register(java.util.Map<String, Object> request) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/datasets")).timeout(Duration.ofMinutes(5))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(request))).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = json.readTree(r.body());
            if (r.statusCode() != 201 && r.statusCode() != 409) {
                throw new GatewayClient.GatewayException("cannot register " + request.get("path") + ": HTTP " + r.statusCode() + ": "
                        + body.path("error").asText(r.body()));
            }
            return body;
        } catch (IOException e) {
            throw new GatewayClient.GatewayException("data-service at " + base + " unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayClient.GatewayException("interrupted");
        }
    }

    /** A batch of val samples (BatchCodec bytes decoded), as the eval-service gets them. */
    public dev.preflight.wire.Batch valBatch(String dataset, long splitSeed, double valFraction, int size, long sampleSeed) {
        URI uri = URI.create(base + "/api/datasets/" + URLEncoder.encode(dataset, StandardCharsets.UTF_8) + "/val-batch?splitSeed="
                + splitSeed + "&valFraction=" + valFraction + "&size=" + size + "&sampleSeed=" + sampleSeed);
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(1)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new GatewayClient.GatewayException("val batch of " + dataset + ": HTTP " + r.statusCode());
            }
            return dev.preflight.wire.BatchCodec.decode(r.body());
        } catch (IOException e) {
            throw new GatewayClient.GatewayException("data-service at " + base + " unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayClient.GatewayException("interrupted");
        }
    }

    public JsonNode stats(String dataset, long splitSeed, double valFraction) {
        URI uri = URI.create(base + "/api/datasets/" + URLEncoder.encode(dataset, StandardCharsets.UTF_8)
                + "/stats?splitSeed=" + splitSeed + "&valFraction=" + valFraction);
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = json.readTree(r.body());
            if (r.statusCode() != 200) {
                throw new GatewayClient.GatewayException("dataset " + dataset + ": HTTP " + r.statusCode() + ": "
                        + body.path("error").asText(r.body()));
            }
            return body;
        } catch (IOException e) {
            throw new GatewayClient.GatewayException("data-service at " + base + " unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayClient.GatewayException("interrupted");
        }
    }
}
