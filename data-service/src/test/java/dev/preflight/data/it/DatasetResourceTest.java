package dev.preflight.data.it;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.service.DatasetRegistry;
import dev.preflight.data.service.Splits;
import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DType;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class DatasetResourceTest {

    @Inject
    DatasetRegistry registry;

    private static byte[] valBatch(String query) {
        return given().when().get("/api/datasets/shapes/val-batch?" + query)
                .then().statusCode(200).contentType("application/octet-stream")
                .extract().asByteArray();
    }

    @Test
    void valBatchHoldsStoredValSamplesVerbatim() {
        Batch batch = BatchCodec.decode(valBatch("splitSeed=5&valFraction=0.2&size=32&sampleSeed=3"));
        Dataset shapes = registry.get("shapes");
        int[] val = Splits.stratified(shapes, 5, 0.2).val();

        assertEquals(32, batch.size());
        assertEquals(0, batch.index());
        assertEquals(0, batch.epoch());
        assertEquals(DType.UINT8, batch.dtype());
        assertArrayEquals(new int[]{28, 28, 1}, batch.sampleShape());
        assertEquals(4, batch.numClasses());
        // Each sample must be byte-identical to a stored val sample, with its label: the proof that the val path
        // hands out the data as stored (never augmented), whichever samples it picked.
        Set<Integer> found = new HashSet<>();
        for (int j = 0; j < batch.size(); j++) {
            byte[] sample = Arrays.copyOfRange(batch.data(), j * 784, (j + 1) * 784);
            int match = -1;
            for (int i : val) {
                if (Arrays.equals(sample, shapes.sample(i))) {
                    match = i;
                    break;
                }
            }
            assertTrue(match >= 0, "sample " + j + " is not a stored val sample");
            assertEquals(shapes.label(match), batch.labels()[j], "label of sample " + j);
            assertTrue(found.add(match), "sample " + j + " repeats val sample " + match);
        }
    }

    @Test
    void valBatchIsDeterministicPerSampleSeed() {
        String query = "splitSeed=5&valFraction=0.2&size=16&sampleSeed=";
        byte[] a = valBatch(query + 3);
        assertArrayEquals(a, valBatch(query + 3));
        assertFalse(Arrays.equals(a, valBatch(query + 4)), "another sampleSeed picks other samples");
    }

    @Test
    void valBatchIsCappedAtTheValSplit() {
        // 400 samples, 100 per class, valFraction 0.1: 10 per class in val.
        Batch batch = BatchCodec.decode(valBatch("splitSeed=5&valFraction=0.1&size=4096&sampleSeed=1"));
        assertEquals(40, batch.size());
    }

    @Test
    void unknownDatasetIs404NamingIt() {
        given().when().get("/api/datasets/mnist-typo/val-batch?splitSeed=1&valFraction=0.2&size=4&sampleSeed=1")
                .then().statusCode(404).contentType("application/json")
                .body("error", containsString("mnist-typo"));
        given().when().get("/api/datasets/mnist-typo")
                .then().statusCode(404).contentType("application/json")
                .body("error", containsString("mnist-typo"));
    }

    @ParameterizedTest(name = "{1} -> 400 naming {0}")
    @CsvSource(delimiter = '|', value = {
            "splitSeed   | valFraction=0.2&size=4&sampleSeed=1",
            "splitSeed   | splitSeed=abc&valFraction=0.2&size=4&sampleSeed=1",
            "valFraction | splitSeed=1&size=4&sampleSeed=1",
            "valFraction | splitSeed=1&valFraction=0&size=4&sampleSeed=1",
            "valFraction | splitSeed=1&valFraction=1&size=4&sampleSeed=1",
            "valFraction | splitSeed=1&valFraction=1.5&size=4&sampleSeed=1",
            "valFraction | splitSeed=1&valFraction=NaN&size=4&sampleSeed=1",
            "size        | splitSeed=1&valFraction=0.2&sampleSeed=1",
            "size        | splitSeed=1&valFraction=0.2&size=0&sampleSeed=1",
            "size        | splitSeed=1&valFraction=0.2&size=4097&sampleSeed=1",
            "size        | splitSeed=1&valFraction=0.2&size=ten&sampleSeed=1",
            "sampleSeed  | splitSeed=1&valFraction=0.2&size=4",
    })
    void badParameterIs400NamingIt(String parameter, String query) {
        given().when().get("/api/datasets/shapes/val-batch?" + query)
                .then().statusCode(400).contentType("application/json")
                .body("error", containsString("'" + parameter + "'"));
    }

    @Test
    void listsDatasets() {
        given().when().get("/api/datasets")
                .then().statusCode(200).contentType("application/json")
                .body("name", hasItem("shapes"))
                .body("find { it.name == 'shapes' }.samples", equalTo(400))
                .body("find { it.name == 'shapes' }.sampleShape", equalTo(java.util.List.of(28, 28, 1)))
                .body("find { it.name == 'shapes' }.numClasses", equalTo(4));
    }

    @Test
    void describesADatasetWithItsClassHistogram() {
        given().when().get("/api/datasets/shapes")
                .then().statusCode(200).contentType("application/json")
                .body("name", equalTo("shapes"))
                .body("samples", equalTo(400))
                .body("numClasses", equalTo(4))
                .body("classHistogram", equalTo(java.util.List.of(100, 100, 100, 100)));
    }

    @Test
    void readyWhenKafkaIsReachable() {
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    /**
     * split-indices lists one side of the run's split; split-batch pages through it in that order (index = from),
     * byte-identical to the stored samples; samples?indices= returns stored samples by dataset index; bad parameters
     * are 400s naming them.
     */
    @Test
    void aWholeSplitIsPagedInIndexOrderAndSamplesAreServedByIndex() {
        Dataset shapes = registry.get("shapes");
        int[] val = Splits.forRun(shapes, 5, 0.2).val();
        int[] listed = given().when().get("/api/datasets/shapes/split-indices?splitSeed=5&valFraction=0.2&split=val")
                .then().statusCode(200).body("split", equalTo("val")).extract().jsonPath().getList("indices", Integer.class)
                .stream().mapToInt(Integer::intValue).toArray();
        assertArrayEquals(val, listed);
        int from = val.length - 3;
        Batch tail = BatchCodec.decode(given().when().get("/api/datasets/shapes/split-batch?splitSeed=5&valFraction=0.2&split=val&from="
                + from + "&size=10").then().statusCode(200).extract().asByteArray());
        assertEquals(3, tail.size(), "capped at the split's end");
        assertEquals(from, tail.index());
        for (int j = 0; j < 3; j++) {
            assertArrayEquals(shapes.sample(val[from + j]), Arrays.copyOfRange(tail.data(), j * 784, (j + 1) * 784));
            assertEquals(shapes.label(val[from + j]), tail.labels()[j]);
        }
        Batch picked = BatchCodec.decode(given().when().get("/api/datasets/shapes/samples?indices=7,2").then().statusCode(200)
                .extract().asByteArray());
        assertArrayEquals(shapes.sample(7), Arrays.copyOfRange(picked.data(), 0, 784));
        assertArrayEquals(new int[]{shapes.label(7), shapes.label(2)}, picked.labels());
        given().when().get("/api/datasets/shapes/split-batch?splitSeed=5&valFraction=0.2&split=test&from=0&size=1")
                .then().statusCode(400).body("error", containsString("split"));
        given().when().get("/api/datasets/shapes/samples?indices=1," + shapes.size())
                .then().statusCode(400).body("error", containsString("indices"));
    }
}
