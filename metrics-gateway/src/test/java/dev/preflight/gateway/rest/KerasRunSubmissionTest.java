package dev.preflight.gateway.rest;

import dev.preflight.kafka.LocalKafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/** A run spec carrying the user's Keras definition: accepted when Preflight can build it, a 400 naming the layer otherwise. */
@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class KerasRunSubmissionTest {

    static final String DEFINITION = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [null, 28, 28, 1]}},
              {"class_name": "Conv2D", "config": {"name": "conv2d", "filters": 4, "kernel_size": 3, "groups": 1, "activation": "relu"}},
              {"class_name": "Flatten", "config": {"name": "flatten"}},
              {"class_name": "Dense", "config": {"name": "dense", "units": 4, "activation": "softmax"}}]}}
            """;

    static String spec(String definition) {
        return "{\"dataset\": \"shapes\", \"data\": {\"seed\": 1, \"subsetSize\": 0, \"batchSize\": 32, \"valFraction\": 0.2},"
                + " \"model\": {\"type\": \"keras\", \"seed\": 7, \"learningRate\": 0.001, \"keras\": " + definition + "}, \"steps\": 5}";
    }

    @Test
    void aDefinitionPreflightCanBuildIsAccepted() {
        given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body(spec(DEFINITION)).when().post("/api/runs")
                .then().statusCode(202).body("state", equalTo("SUBMITTED"));
    }

    @Test
    void anUnsupportedArgumentIsA400NamingTheLayerItsClassAndTheArgument() {
        given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body(spec(DEFINITION.replace("\"groups\": 1", "\"groups\": 2")))
                .when().post("/api/runs")
                .then().statusCode(400)
                .body("error", equalTo("invalid run spec"))
                .body("problems", hasItem("model.keras: layer 'conv2d' (Conv2D): argument 'groups' = 2 is not supported (only 1)"));
        given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body(spec(DEFINITION.replace("\"Flatten\"", "\"LSTM\"")))
                .when().post("/api/runs")
                .then().statusCode(400)
                .body("problems", hasItem(org.hamcrest.Matchers.startsWith("model.keras: layer 'flatten': class 'LSTM' is not supported")));
    }
}
