package dev.preflight.gateway.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.Topics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The gateway with a data-service configured: a submission is checked against it first (unknown dataset, subset larger
 * than the train split: 400 naming it; data-service unreachable or broken: 503 saying so; nothing published either
 * way), and a run the data-service refuses later shows FAILED with its reason as soon as its event arrives. The
 * data-service is a fake in this JVM that answers {@code POST /api/run-checks} as the real one does.
 */
@QuarkusTest
@TestProfile(SubmissionCheckTest.WithDataService.class)
class SubmissionCheckTest {

    static final String KEY = "test-key";

    /** The fake data-service: shapes with 320 train samples; "down-*" datasets drop the connection; "boom" answers 500. */
    static final class FakeDataService {
        static final HttpServer SERVER;
        static final AtomicInteger CHECKS = new AtomicInteger();

        static {
            try {
                SERVER = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            SERVER.createContext("/api/run-checks", FakeDataService::check);
            SERVER.start();
        }

        static String url() {
            return "http://127.0.0.1:" + SERVER.getAddress().getPort();
        }

        private static void check(HttpExchange exchange) throws IOException {
            CHECKS.incrementAndGet();
            JsonNode spec = new ObjectMapper().readTree(exchange.getRequestBody().readAllBytes());
            String dataset = spec.path("dataset").asText();
            int subset = spec.path("data").path("subsetSize").asInt();
            if (dataset.startsWith("down-")) {
                exchange.close(); // no answer at all: the connection just ends
                return;
            }
            if (dataset.equals("boom")) {
                answer(exchange, 500, "{\"error\":\"NullPointerException\"}");
            } else if (!dataset.equals("shapes")) {
                answer(exchange, 422, "{\"error\":\"unknown dataset '" + dataset + "', known datasets: [shapes, shapes-seg, spirals]\"}");
            } else if (subset > 320) {
                answer(exchange, 422, "{\"error\":\"the run does not fit dataset 'shapes': subsetSize " + subset
                        + " exceeds the 320 train samples\"}");
            } else {
                answer(exchange, 200, "{\"dataset\":\"shapes\",\"trainSize\":320,\"valSize\":80,\"subsetSize\":" + subset
                        + ",\"batchSize\":32}");
            }
        }

        private static void answer(HttpExchange exchange, int status, String json) throws IOException {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        }
    }

    public static class WithDataService implements QuarkusTestProfile {
        // Its own broker, declared by the profile (as RebuildAfterRestartTest does).
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(LocalKafkaTestResource.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("preflight.gateway.data-service-url", FakeDataService.url(),
                    "preflight.gateway.data-check-timeout", "5s");
        }
    }

    static String spec(String dataset, int subsetSize) {
        return RunSubmissionTest.VALID.replace("\"shapes\"", "\"" + dataset + "\"").replace("\"subsetSize\": 0", "\"subsetSize\": " + subsetSize);
    }

    private static io.restassured.response.ValidatableResponse submit(String body) {
        return given().header("X-API-Key", KEY).contentType(ContentType.JSON).body(body).when().post("/api/runs").then();
    }

    private static int runsKnown() {
        return given().get("/api/runs").then().statusCode(200).extract().jsonPath().getList("runId").size();
    }

    @Test
    void anUnknownDatasetIsA400NamingItAndTheKnownOnesAndNothingIsSubmitted() {
        int before = runsKnown();
        submit(spec("mnist-typo", 0)).statusCode(400)
                .body("error", containsString("the data-service would refuse it"))
                .body("problems[0]", containsString("unknown dataset 'mnist-typo'"))
                .body("problems[0]", containsString("known datasets: [shapes, shapes-seg, spirals]"));
        assertEquals(before, runsKnown(), "a refused run is not recorded");
    }

    @Test
    void aSubsetLargerThanTheTrainSplitIsA400NamingBothSizes() {
        submit(spec("shapes", 100_000)).statusCode(400)
                .body("problems[0]", containsString("subsetSize 100000 exceeds the 320 train samples"));
    }

    @Test
    void aDataServiceThatCannotBeAskedIsA503SayingSoAndNothingIsSubmitted() {
        int before = runsKnown();
        submit(spec("down-for-maintenance", 0)).statusCode(503)
                .body("error", containsString("cannot check the run with the data-service at " + FakeDataService.url()))
                .body("error", containsString("the run was not submitted"));
        submit(spec("boom", 0)).statusCode(503)
                .body("error", containsString("answered HTTP 500: NullPointerException"));
        assertEquals(before, runsKnown(), "nothing was submitted");
    }

    @Test
    void aRunTheDataServiceAcceptsIsSubmittedAndItsLaterRefusalShowsAsFailedWithTheReason() {
        int checks = FakeDataService.CHECKS.get();
        String runId = submit(spec("shapes", 10)).statusCode(202).extract().path("runId");
        assertEquals(checks + 1, FakeDataService.CHECKS.get(), "the data-service was asked once");
        given().get("/api/runs").then().body("runId", hasItem(runId));

        // Later the data-service cannot stream it after all (its files went away): its FAILED event ends the run.
        String reason = "the data-service cannot stream this run: dataset 'shapes' cannot be loaded: file gone";
        long now = System.currentTimeMillis();
        KafkaTestClient.publish(Topics.RUN_EVENTS, runId, Json.encode(new RunEvent(runId, RunEvent.Type.FAILED, 0, reason, "data-service", now)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/runs/" + runId).then()
                .body("state", equalTo("FAILED")).body("message", equalTo(reason)));
        // The trainer that took the run meanwhile reports it too, after the FAIL command: the first terminal event stands.
        KafkaTestClient.publish(Topics.RUN_EVENTS, runId, Json.encode(new RunEvent(runId, RunEvent.Type.STARTED, 0, "taken by t1", "t1", now + 1)));
        KafkaTestClient.publish(Topics.RUN_EVENTS, runId, Json.encode(new RunEvent(runId, RunEvent.Type.FAILED, 0, reason, "t1", now + 2)));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/api/runs/" + runId)
                .then().body("state", equalTo("FAILED")).body("message", equalTo(reason)).body("state", not(equalTo("RUNNING"))));
    }
}
