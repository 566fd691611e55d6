package dev.preflight.gateway.rest;

import dev.preflight.rest.RestFuzz;
import dev.preflight.kafka.LocalKafkaTestResource;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every endpoint of the gateway's OpenAPI document, tried with bad input ({@link RestFuzz}): each answer is a 4xx whose
 * JSON error names the problem; never a 5xx. Prints the table (endpoint × input → status, message).
 */
@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class RestFuzzTest {

    @TestHTTPResource("/")
    URL base;

    @Test
    void everyEndpointAnswersBadInputWithA4xxNamingTheProblem() throws Exception {
        // A run the gateway knows, so bodies and query parameters of its endpoints are judged rather than its id.
        String runId = given().header("X-API-Key", "test-key").contentType(ContentType.JSON).body(RunSubmissionTest.VALID)
                .when().post("/api/runs").then().statusCode(202).extract().path("runId");

        long maxBody = ConfigProvider.getConfig().getOptionalValue("preflight.gateway.max-json-body-size", MemorySize.class)
                .orElse(new MemorySize(java.math.BigInteger.valueOf(10240 * 1024))).asLongValue();
        RestFuzz fuzz = new RestFuzz(base.toString(), "test-key", maxBody,
                (path, param) -> path.startsWith("/api/runs/") ? runId : null);
        List<RestFuzz.Attempt> failed = fuzz.report("metrics-gateway", fuzz.walk());
        assertTrue(fuzz.operations() >= 11, "the walk found the endpoints: " + fuzz.operations());
        assertTrue(failed.isEmpty(), failed.size() + " bad inputs did not get a 4xx JSON message naming the problem:\n"
                + String.join("\n", failed.stream().map(Object::toString).toList()));
    }
}
