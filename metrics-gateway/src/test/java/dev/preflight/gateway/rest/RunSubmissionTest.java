package dev.preflight.gateway.rest;

import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import dev.preflight.wire.TrainStep;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class RunSubmissionTest {

    static final String VALID = """
            {"dataset": "shapes",
             "data": {"seed": 1, "subsetSize": 0, "batchSize": 32, "valFraction": 0.2},
             "model": {"type": "mlp", "seed": 7, "learningRate": 0.001, "hiddenUnits": [128]},
             "steps": 100, "snapshotEvery": 10}
            """;

    @Test
    void aValidRunIsAcceptedOnlyOnceItIsOnKafkaKeyedByItsId() {
        Response response = given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body(VALID).when().post("/api/runs");
        response.then().statusCode(202)
                .body("state", equalTo("SUBMITTED"))
                .body("runId", matchesPattern("run-[a-z0-9]+"));
        String runId = response.path("runId");
        response.then().header("Location", endsWith("/api/runs/" + runId));

        ConsumerRecord<String, byte[]> record = KafkaTestClient.awaitRecord(Topics.RUNS, r -> runId.equals(r.key()));
        RunSubmitted published = RunSubmitted.decode(record.value());
        assertEquals(runId, published.runId());
        assertEquals(Json.decode(VALID, RunSpec.class), published.spec());

        // Recorded before the 202 was sent: no waiting for the gateway's own consumer.
        given().header("X-API-Key", "test-key").when().get("/api/runs/" + runId)
                .then().statusCode(200)
                .body("runId", equalTo(runId))
                .body("state", equalTo("SUBMITTED"))
                .body("spec.model.type", equalTo("mlp"))
                .body("spec.steps", equalTo(100))
                .body("step", nullValue())
                .body("submittedAtMs", equalTo(published.submittedAtMs()));
        given().header("X-API-Key", "test-key").when().get("/api/runs").then().statusCode(200).body("runId", hasItem(runId));
    }

    @Test
    void aSubmittedRunsMetersCarryItsModelType() {
        String runId = given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body(VALID).when().post("/api/runs")
                .then().statusCode(202).extract().path("runId");
        KafkaTestClient.publish(Topics.TRAIN_METRICS, runId,
                Json.encode(new TrainStep(runId, 1, 2.302585092994046, 0.2, 0.05, 0.15, 32)));

        String[] scrape = new String[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            scrape[0] = given().header("X-API-Key", "test-key").when().get("/q/metrics").then().statusCode(200).extract().asString();
            return PrometheusText.has(scrape[0], "preflight_train_step", runId)
                    && PrometheusText.sample(scrape[0], "preflight_train_step", runId, "mlp") == 1.0;
        });
        assertEquals(2.302585092994046, PrometheusText.sample(scrape[0], "preflight_train_loss", runId, "mlp"));
        assertEquals(1.0, PrometheusText.sample(scrape[0], "preflight_train_steps_total", runId, "mlp"));
        given().header("X-API-Key", "test-key").when().get("/api/runs/" + runId).then().body("state", equalTo("RUNNING")).body("step", equalTo(1));
    }

    static Stream<Arguments> invalidSpecs() {
        return Stream.of(
                Arguments.of("missing field", VALID.replace("\"learningRate\": 0.001, ", ""), "model.learningRate is required"),
                Arguments.of("negative learning rate", VALID.replace("0.001", "-0.5"), "model.learningRate must be a finite number >= 0"),
                Arguments.of("unknown model", VALID.replace("\"mlp\"", "\"transformer\""), "model.type 'transformer' is unknown"),
                Arguments.of("zero steps", VALID.replace("\"steps\": 100", "\"steps\": 0"), "steps must be in [1, 1000000], was 0"),
                Arguments.of("malformed JSON", VALID.replace("\"steps\": 100", "\"steps\": 100,,"), "malformed RunSpec JSON"),
                Arguments.of("unknown field", VALID.replace("\"learningRate\"", "\"learningrate\""), "unknown field 'model.learningrate'"),
                Arguments.of("wrong type", VALID.replace("\"steps\": 100", "\"steps\": \"many\""), "steps: "),
                Arguments.of("empty body", "", "empty RunSpec message"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSpecs")
    void anInvalidSpecIsRejectedNamingTheField(String name, String body, String problem) {
        given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body(body)
                .when().post("/api/runs")
                .then().statusCode(400)
                .contentType(ContentType.JSON)
                .body("error", equalTo("invalid run spec"))
                .body("problems", hasItem(containsString(problem)));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        String body = VALID.replace("0.001", "-1").replace("\"steps\": 100", "\"steps\": 0").replace("\"shapes\"", "\"\"");
        given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body(body)
                .when().post("/api/runs")
                .then().statusCode(400)
                .body("problems", hasSize(3));
    }

    @Test
    void mutatingEndpointsRequireTheApiKey() {
        String body = "{\"dataset\":\"shapes\",\"data\":{\"seed\":1,\"subsetSize\":1,\"batchSize\":1,\"valFraction\":0.2},"
                + "\"model\":{\"type\":\"mlp\",\"seed\":1,\"learningRate\":0.001,\"hiddenUnits\":[8]},\"steps\":5}";
        io.restassured.RestAssured.given().contentType(ContentType.JSON).body(body).post("/api/runs").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Basic")).body("error", containsString("X-API-Key"));
        io.restassured.RestAssured.given().header("X-API-Key", "guess").contentType(ContentType.JSON).body(body).post("/api/runs")
                .then().statusCode(401).body("error", equalTo("wrong API key (X-API-Key header or HTTP Basic password)"));
        io.restassured.RestAssured.given().auth().preemptive().basic("anyone", "test-key").contentType(ContentType.JSON).body(body)
                .post("/api/runs").then().statusCode(202);
        io.restassured.RestAssured.given().post("/api/runs/run-nope/kill").then().statusCode(401);
        // Reading needs no key.
        io.restassured.RestAssured.given().get("/api/runs").then().statusCode(200);
    }

    @Test
    void anUnknownRunIs404() {
        given().header("X-API-Key", "test-key").when().get("/api/runs/run-doesnotexist").then().statusCode(404)
                .contentType(ContentType.JSON)
                .body("error", containsString("run-doesnotexist"));
        given().header("X-API-Key", "test-key").when().get("/api/runs/run-doesnotexist/history").then().statusCode(404)
                .body("error", containsString("run-doesnotexist"));
    }

    @Test
    void healthAndOpenApiAreServed() {
        given().header("X-API-Key", "test-key").when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().header("X-API-Key", "test-key").accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body("paths.'/api/runs/{id}/history'.get.summary", equalTo("Per-step history"));
    }
}
