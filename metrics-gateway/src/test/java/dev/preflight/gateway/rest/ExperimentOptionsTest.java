package dev.preflight.gateway.rest;

import dev.preflight.wire.EarlyStopping;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * {@code POST /api/experiments}' {@code patience} and {@code ensembleTop}, the CLI's {@code --patience} and
 * {@code --ensemble-top}: they reach the ladder (the full-data run spec the gateway publishes carries the early
 * stopping; the ensemble stage's evidence carries its K), default as the CLI's do, and a value out of range is a 400
 * naming the field and the range, with nothing started.
 *
 * <p>No ladder is climbed for long: there is no trainer, so the test reads the full-data run's spec off
 * {@code preflight.runs} and then fails the stage's two runs itself (as a data-service would), which ends the
 * experiment and frees the gateway's ladder worker; the ensemble stage alone, with no ablations before it, FAILs at once
 * naming its K. Shares {@link SubmissionCheckTest}'s profile (its fake data-service answers the run checks), so no
 * second application start.
 */
@QuarkusTest
@TestProfile(SubmissionCheckTest.WithDataService.class)
class ExperimentOptionsTest {

    static final String MODEL = "\"model\": {\"type\": \"cnn\", \"seed\": 42, \"learningRate\": 0.001}";

    private static ValidatableResponse start(String options) {
        return given().header("X-API-Key", SubmissionCheckTest.KEY).contentType(ContentType.JSON)
                .body("{\"dataset\": \"shapes\", " + MODEL + options + "}").when().post("/api/experiments").then();
    }

    /**
     * Starts a full-data-only experiment with {@code options}, returns the early stopping of its model run as published,
     * then fails both of its runs and waits until the experiment stopped climbing.
     */
    private static EarlyStopping fullDataEarlyStopping(String options) {
        String id = start(", \"stages\": [\"full-data\"]" + options).statusCode(202).extract().path("experimentId");
        RunSpec model = submitted(id, "cnn");
        RunSpec baseline = submitted(id, "mlp");
        assertNull(baseline.earlyStopping(), "the logistic-regression baseline trains every step either way");
        long now = System.currentTimeMillis();
        for (ConsumerRecord<String, byte[]> run : new ConsumerRecord[] {runRecord(id, "cnn"), runRecord(id, "mlp")}) {
            KafkaTestClient.publish(Topics.RUN_EVENTS, run.key(), Json.encode(new RunEvent(run.key(), RunEvent.Type.FAILED, 0,
                    "no trainer in this test", "data-service", now)));
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/experiments/" + id).then()
                .body("state", not(equalTo("RUNNING"))));
        return model.earlyStopping();
    }

    private static ConsumerRecord<String, byte[]> runRecord(String experimentId, String modelType) {
        return KafkaTestClient.awaitRecord(Topics.RUNS, r -> {
            RunSpec spec = RunSubmitted.decode(r.value()).spec();
            return experimentId.equals(spec.experiment()) && "full-data".equals(spec.stage()) && modelType.equals(spec.model().type());
        });
    }

    private static RunSpec submitted(String experimentId, String modelType) {
        return RunSubmitted.decode(runRecord(experimentId, modelType).value()).spec();
    }

    @Test
    void patienceReachesTheFullDataRunAndZeroTurnsEarlyStoppingOff() {
        // The CLI's smoothing and minDelta, the request's patience.
        assertEquals(new EarlyStopping(7, 0.0, 5), fullDataEarlyStopping(", \"patience\": 7"));
        assertNull(fullDataEarlyStopping(", \"patience\": 0"), "patience 0: no early stopping");
        assertEquals(new EarlyStopping(50, 0.0, 5), fullDataEarlyStopping(""), "unset: the CLI's default patience 50");
    }

    @Test
    void ensembleTopReachesTheEnsembleStage() {
        for (int k : new int[] {5, 3}) {
            String id = start(", \"stages\": [\"ensemble\"]" + (k == 3 ? "" : ", \"ensembleTop\": " + k))
                    .statusCode(202).extract().path("experimentId");
            // No ablation trials before it: it FAILs at once, its evidence naming the K it was given (3 when unset).
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/experiments/" + id).then()
                    .body("state", equalTo("DONE"))
                    .body("stages.name", contains("ensemble"))
                    .body("stages[0].verdict", equalTo("FAIL"))
                    .body("stages[0].summary", containsString("no ablation trial ran to the end"))
                    .body("stages[0].evidence.top_k", equalTo((float) k)));
        }
    }

    @Test
    void theOpenApiDocumentGivesBothFieldsWithTheirRangesAndDefaults() {
        String fields = "components.schemas.ExperimentRequest.properties.";
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body(fields + "patience.type", equalTo("integer"))
                .body(fields + "patience.minimum", equalTo(0))
                .body(fields + "patience.maximum", equalTo(1_000_000))
                .body(fields + "patience.default", equalTo(50))
                .body(fields + "patience.description", containsString("--patience"))
                .body(fields + "ensembleTop.minimum", equalTo(2))
                .body(fields + "ensembleTop.default", equalTo(3))
                .body(fields + "ensembleTop.description", containsString("--ensemble-top"));
    }

    @Test
    void patienceOrEnsembleTopOutOfRangeIsA400NamingTheFieldAndTheRangeAndStartsNothing() {
        int before = given().get("/api/experiments").then().statusCode(200).extract().jsonPath().getList("experimentId").size();
        start(", \"patience\": -1").statusCode(400)
                .body("problems", contains("patience must be in [0, 1000000] validated steps (0: no early stopping), was -1"));
        start(", \"patience\": 1000001").statusCode(400)
                .body("problems", contains("patience must be in [0, 1000000] validated steps (0: no early stopping), was 1000001"));
        start(", \"stages\": [\"ablations\", \"ensemble\"], \"ensembleTop\": 1").statusCode(400)
                .body("problems", contains("ensembleTop: an ensemble needs topK >= 2, was 1"));
        // Checked even when the ensemble stage is not climbed, as the CLI does: a bad value is a mistake either way.
        start(", \"patience\": -5, \"ensembleTop\": 0").statusCode(400)
                .body("problems", containsInAnyOrder(
                        "patience must be in [0, 1000000] validated steps (0: no early stopping), was -5",
                        "ensembleTop: an ensemble needs topK >= 2, was 0"));
        // Not an integer at all: the decoder's 400, naming the field.
        start(", \"patience\": \"soon\"").statusCode(400).body("error", containsString("patience"));
        start(", \"ensembleTop\": 4294967296").statusCode(400).body("error", containsString("ensembleTop"));
        // A stage without the one it builds on: refused before anything trains, as the CLI refuses it.
        // (This request's model is a cnn: the generative stages' model is refused in the same answer.)
        start(", \"stages\": [\"adversarial\"]").statusCode(400).body("problems", contains(
                "stages: adversarial starts from the l1-regression stage's weights and needs it to PASS first: name l1-regression too",
                "model: l1-regression trains an image-to-image model: the zoo's generator (--model generator, model.type generator) "
                        + "or your own Keras model, not 'cnn' (a classifier's architecture)"));
        given().get("/api/experiments").then().statusCode(200).body("experimentId", hasSize(before));
    }
}
