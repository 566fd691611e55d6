package dev.preflight.data.it;

import dev.preflight.rest.RestFuzz;
import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every endpoint of the data-service's OpenAPI document, tried with bad input ({@link RestFuzz}): each answer is a 4xx
 * whose JSON error names the problem; never a 5xx. Prints the table (endpoint × input → status, message).
 */
@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class RestFuzzTest {

    @TestHTTPResource("/")
    URL base;

    @Test
    void everyEndpointAnswersBadInputWithA4xxNamingTheProblem() throws Exception {
        // A run the service has seen, so the run preview's query parameters are judged rather than its unknown id.
        RunSubmitted run = KafkaTestClients.run(4, 2, 3);
        KafkaTestClients.send(Topics.RUNS, run.runId(), Json.encode(run));
        await().atMost(Duration.ofSeconds(60)).until(() ->
                given().get("/api/runs/" + run.runId() + "/preview.png?split=train").statusCode() == 200);

        long maxBody = ConfigProvider.getConfig().getOptionalValue("quarkus.http.limits.max-body-size", MemorySize.class)
                .orElse(new MemorySize(java.math.BigInteger.valueOf(10240 * 1024))).asLongValue();
        RestFuzz fuzz = new RestFuzz(base.toString(), "test-key", maxBody, (path, param) -> switch (param) {
            case "name" -> "shapes";
            case "runId" -> run.runId();
            default -> null;
        });
        List<RestFuzz.Attempt> failed = fuzz.report("data-service", fuzz.walk());
        assertTrue(fuzz.operations() >= 8, "the walk found the endpoints: " + fuzz.operations());
        assertTrue(failed.isEmpty(), failed.size() + " bad inputs did not get a 4xx JSON message naming the problem:\n"
                + String.join("\n", failed.stream().map(Object::toString).toList()));
    }
}
