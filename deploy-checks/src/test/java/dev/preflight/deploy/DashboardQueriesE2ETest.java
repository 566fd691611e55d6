package dev.preflight.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.ladder.GatewayClient;
import dev.preflight.cli.stack.LocalPrometheus;
import dev.preflight.cli.stack.LocalStack;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every query of every panel of every dashboard, against a real Prometheus (the Debian package's binary) scraping a
 * real local stack (in-JVM Kafka + the four packaged services) through deploy/prometheus/prometheus-local.yml, after
 * a real run: each must return at least one series over the test's time window, as the panel's time range would.
 * A panel that can never show data fails here, named with its query.
 *
 * <p>CI only (tag e2e): {@code ./mvnw -B -Pe2e verify}.
 */
@Tag("e2e")
class DashboardQueriesE2ETest {

    static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static LocalStack stack;
    static LocalPrometheus prometheus;
    static String prometheusUrl;
    static long startSeconds;

    @BeforeAll
    static void start() throws Exception {
        Repo.requireTool("prometheus", "prometheus");
        startSeconds = System.currentTimeMillis() / 1000 - 5;
        stack = E2EStack.get();
        Path out = E2EStack.dir().resolve("stack");

        // prometheus-local.yml as checked in, with target files naming each service's port in this stack (as
        // preflight up --prometheus starts it), on a free port; it answers /-/ready when start returns.
        Path dir = Files.createTempDirectory(out, "prometheus");
        prometheus = LocalPrometheus.start(Repo.HOME, dir, stack, freePort(), out.resolve("logs/prometheus.log"));
        prometheusUrl = prometheus.url();
        await("every target scraped", Duration.ofSeconds(60), () -> {
            JsonNode r = query("count(up == 1)");
            return r.size() == 1 && r.get(0).at("/value/1").asText().equals(String.valueOf(stack.members().size()));
        });
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (prometheus != null) {
            prometheus.close();
        }
        // The shared stack stays for the other end-to-end checks (E2EStack closes it when the JVM exits).
    }

    @Test
    void everyPanelQueryReturnsASeriesAfterARun() throws Exception {
        GatewayClient gateway = stack.gateway();
        RunSpec spec = new RunSpec("shapes", new DataConfig(3L, 64, 8, 0.2), new ModelConfig("mlp", 3L, 1e-3, List.of(32)), 400, 5);
        String runId = gateway.submit(spec);
        await("run " + runId + " finished", RUN_TIMEOUT, () -> {
            String state = gateway.run(runId).path("state").asText();
            if (state.equals("FAILED") || state.equals("KILLED")) {
                fail("the run ended " + state + ": " + gateway.run(runId));
            }
            return state.equals("FINISHED") && gateway.run(runId).path("valStep").asInt() == 400;
        });
        // A few more scrapes, so that rate() windows see the final values and the idle services' series.
        Thread.sleep(10_000);
        long end = System.currentTimeMillis() / 1000;

        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Path file : GrafanaDashboardsTest.dashboards()) {
            JsonNode dashboard = Repo.json(file);
            for (JsonNode panel : GrafanaDashboardsTest.panels(dashboard)) {
                for (JsonNode target : panel.get("targets")) {
                    String expr = substitute(target.get("expr").asText());
                    JsonNode result = queryRange(expr, startSeconds, end);
                    checked++;
                    if (result == null || result.isEmpty()) {
                        failures.add(file.getFileName() + " / '" + panel.get("title").asText() + "' / " + target.get("refId").asText()
                                + ": no series for " + expr);
                    }
                }
            }
        }
        System.out.println("dashboard queries checked against Prometheus: " + checked + ", without data: " + failures.size());
        assertTrue(checked > 40, "the dashboards hold " + checked + " queries");
        assertTrue(failures.isEmpty(), "panels that would show no data:\n" + String.join("\n", failures));

        // And the run-level series carry the run, with the fixed tag set.
        JsonNode loss = query("preflight_train_loss{run=\"" + runId + "\"}");
        assertEquals(1, loss.size(), loss.toString());
        for (String tag : new String[] {"experiment", "run", "stage", "model"}) {
            assertTrue(loss.get(0).get("metric").has(tag), "tag " + tag + " on " + loss);
        }
        JsonNode finished = query("preflight_run_state{run=\"" + runId + "\",state=\"finished\"}");
        assertEquals("1", finished.get(0).at("/value/1").asText());
    }

    /** Grafana's variables as "All" (their allValue .*) and its rate interval as a fixed window. */
    static String substitute(String expr) {
        return expr.replace("$__rate_interval", "30s")
                .replace("$experiment", ".*").replace("$stage", ".*").replace("$run", ".*").replace("$job", ".*");
    }

    static JsonNode query(String expr) throws IOException, InterruptedException {
        HttpResponse<String> r = get(prometheusUrl + "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        JsonNode body = Repo.JSON.readTree(r.body());
        assertEquals("success", body.path("status").asText(), expr + ": " + r.body());
        return body.at("/data/result");
    }

    static JsonNode queryRange(String expr, long start, long end) throws IOException, InterruptedException {
        HttpResponse<String> r = get(prometheusUrl + "/api/v1/query_range?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)
                + "&start=" + start + "&end=" + end + "&step=2");
        JsonNode body = Repo.JSON.readTree(r.body());
        assertEquals("success", body.path("status").asText(), "invalid query " + expr + ": " + r.body());
        return body.at("/data/result");
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void await(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (IOException e) {
                // not answering yet
            }
            Thread.sleep(500);
        }
        fail("timed out after " + timeout.toSeconds() + " s waiting for " + what);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
