package dev.preflight.data.it;

import dev.preflight.data.load.TestFiles;
import dev.preflight.data.service.ClassBalance;
import dev.preflight.data.service.DatasetRegistry;
import dev.preflight.data.service.TrainBatches;
import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.Augmentation;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.Json;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Augmentation, balancing metadata, the batches-ahead gauge and run previews, through a real broker. */
@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class RunStreamFeaturesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Augmentation AUGMENT = new Augmentation(true, false, 10.0, 2, 0.05, 0.1, 0.1);

    @Inject
    DatasetRegistry registry;

    @ConfigProperty(name = "preflight.data.max-batches-ahead")
    int maxAhead;

    private static RunSubmitted submit(String dataset, DataConfig data, int steps) {
        RunSpec spec = new RunSpec(dataset, data, new ModelConfig("mlp", 1L, 0.01, List.of(16)), steps, null);
        RunSubmitted run = new RunSubmitted(RunIds.newId(), spec, System.currentTimeMillis());
        KafkaTestClients.send(Topics.RUNS, run.runId(), Json.encode(run));
        return run;
    }

    private static List<Batch> consumeAll(RunSubmitted run, int count) {
        TopicPartition tp = new TopicPartition(Topics.batches(run.runId()), 0);
        KafkaTestClients.awaitTopic(tp.topic());
        List<Batch> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> trainer = KafkaTestClients.trainerConsumer(run.runId())) {
            trainer.assign(List.of(tp));
            await().atMost(TIMEOUT).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                List<ConsumerRecord<String, byte[]>> got = new ArrayList<>();
                trainer.poll(Duration.ofMillis(100)).forEach(got::add);
                got.forEach(r -> out.add(BatchCodec.decode(r.value())));
                if (!got.isEmpty()) {
                    trainer.commitSync(Map.of(tp, new OffsetAndMetadata(got.get(got.size() - 1).offset() + 1)));
                }
                return out.size() >= count;
            });
        }
        return out;
    }

    @Test
    void augmentedWeightedTrainStreamButStoredValBatches() {
        DataConfig data = new DataConfig(5L, 0, 16, 0.2, null, AUGMENT, "weights");
        RunSubmitted run = submit("shapes", data, 4);
        List<Batch> batches = consumeAll(run, 4);

        TrainBatches plain = TrainBatches.forRun(registry.get("shapes"), new DataConfig(5L, 0, 16, 0.2));
        int[] counts = plain.classCounts();
        for (int i = 0; i < 4; i++) {
            Batch b = batches.get(i);
            assertEquals(i, b.index());
            assertArrayEquals(counts, b.classCounts(), "class counts on train batch " + i);
            assertArrayEquals(ClassBalance.inverseFrequencyWeights(counts), b.classWeights(), "weights on train batch " + i);
            Batch unaugmented = plain.batch(i);
            assertArrayEquals(unaugmented.labels(), b.labels(), "same samples, same order");
            assertFalse(Arrays.equals(unaugmented.data(), b.data()), "train batch " + i + " is augmented");
            // Rebuilding the batch from the spec gives the bytes on the topic: replay-safe.
            assertArrayEquals(BatchCodec.encode(TrainBatches.forRun(registry.get("shapes"), data).batch(i)), BatchCodec.encode(b));
        }

        Batch val = BatchCodec.decode(given().when()
                .get("/api/datasets/shapes/val-batch?splitSeed=5&valFraction=0.2&size=16&sampleSeed=9")
                .then().statusCode(200).extract().asByteArray());
        assertNull(val.classCounts(), "no stream metadata on val batches");
        assertNull(val.classWeights());
        for (int j = 0; j < val.size(); j++) {
            byte[] sample = Arrays.copyOfRange(val.data(), j * 784, (j + 1) * 784);
            boolean stored = false;
            for (int i = 0; i < registry.get("shapes").size() && !stored; i++) {
                stored = Arrays.equals(sample, registry.get("shapes").sample(i));
            }
            assertTrue(stored, "val sample " + j + " is byte-identical to a stored sample");
        }
    }

    /**
     * 2x2 block means of a 28x28 gray batch, rounded: what area averaging to 14x14 must give, computed here without
     * the service's resampler.
     */
    private static byte[] halved(byte[] data, int samples) {
        byte[] out = new byte[samples * 196];
        for (int s = 0; s < samples; s++) {
            for (int y = 0; y < 14; y++) {
                for (int x = 0; x < 14; x++) {
                    int sum = 0;
                    for (int k = 0; k < 4; k++) {
                        sum += data[s * 784 + (2 * y + k / 2) * 28 + 2 * x + k % 2] & 0xFF;
                    }
                    out[s * 196 + y * 14 + x] = (byte) Math.round(sum / 4.0);
                }
            }
        }
        return out;
    }

    @Test
    void aSmallerResolutionStreamsTrainAndValBatchesOfThatSizeAndRefusesWhatItCannotResize() {
        DataConfig full = new DataConfig(6L, 0, 8, 0.2);
        RunSubmitted run = submit("shapes", full.withResolution(List.of(14, 14)), 3);
        List<Batch> batches = consumeAll(run, 3);
        TrainBatches stored = TrainBatches.forRun(registry.get("shapes"), full);
        for (int i = 0; i < 3; i++) {
            Batch b = batches.get(i);
            assertArrayEquals(new int[]{14, 14, 1}, b.sampleShape(), "train batch " + i);
            Batch original = stored.batch(i);
            assertArrayEquals(original.labels(), b.labels(), "same samples in the same order at every resolution");
            assertArrayEquals(halved(original.data(), 8), b.data(), "train batch " + i + " is the stored one area-averaged");
        }

        String query = "/api/datasets/shapes/val-batch?splitSeed=6&valFraction=0.2&size=8&sampleSeed=3";
        Batch val = BatchCodec.decode(given().when().get(query).then().statusCode(200).extract().asByteArray());
        Batch small = BatchCodec.decode(given().when().get(query + "&resolution=14x14").then().statusCode(200).extract().asByteArray());
        assertArrayEquals(new int[]{14, 14, 1}, small.sampleShape());
        assertArrayEquals(val.labels(), small.labels());
        assertArrayEquals(halved(val.data(), 8), small.data(), "the val batch is the stored one area-averaged");
        Batch page = BatchCodec.decode(given().when()
                .get("/api/datasets/shapes/split-batch?splitSeed=6&valFraction=0.2&split=val&from=0&size=4&resolution=14x14")
                .then().statusCode(200).extract().asByteArray());
        assertArrayEquals(new int[]{14, 14, 1}, page.sampleShape(), "the per-sample predictions' pages too");

        given().when().get(query + "&resolution=56x56").then().statusCode(400)
                .body("error", containsString("'resolution' [56, 56] is larger than shapes's stored images [28, 28]"));
        given().when().get(query + "&resolution=14").then().statusCode(400).body("error", containsString("HEIGHTxWIDTH"));
        given().when().get("/api/datasets/spirals/val-batch?splitSeed=6&valFraction=0.2&size=8&sampleSeed=3&resolution=1x1")
                .then().statusCode(400).body("error", containsString("needs image samples [h, w, c]; spirals has samples of shape [2]"));
        String model = "\"model\":{\"type\":\"mlp\",\"seed\":1,\"learningRate\":0.01,\"hiddenUnits\":[8]},\"steps\":5";
        given().contentType("application/json")
                .body("{\"dataset\":\"shapes-seg\",\"data\":{\"seed\":5,\"subsetSize\":0,\"batchSize\":8,\"valFraction\":0.2,"
                        + "\"resolution\":[14,14]}," + model + "}")
                .when().post("/api/run-checks").then().statusCode(422)
                .body("error", containsString("data.resolution [14, 14] does not apply to segmentation dataset shapes-seg"));
    }

    @Test
    void registeredDatasetStreamsToRuns() throws Exception {
        String name = "reg" + Long.toString(System.nanoTime(), 36);
        Path dir = Files.createDirectories(registry.root().path().resolve(name));
        TestFiles.idx(dir, 40, 5, 4, false);
        given().header("X-API-Key", "test-key").contentType("application/json").body("{\"name\":\"" + name + "\",\"format\":\"idx\",\"path\":\"" + name + "\"}")
                .when().post("/api/datasets").then().statusCode(201);
        RunSubmitted run = submit(name, new DataConfig(2L, 0, 8, 0.25, null, null, "sampling"), 3);
        List<Batch> batches = consumeAll(run, 3);
        assertArrayEquals(new int[]{5, 5, 1}, batches.get(0).sampleShape());
        // 10 per class, round(0.25 * 10) = 3 of each to val.
        assertArrayEquals(new int[]{7, 7, 7, 7}, batches.get(0).classCounts());
        assertNull(batches.get(0).classWeights());
    }

    @Test
    void batchesAheadGaugeShowsTheTrainersLag() {
        RunSubmitted run = submit("shapes", new DataConfig(5L, 0, 8, 0.2), 50);
        TopicPartition tp = new TopicPartition(Topics.batches(run.runId()), 0);
        KafkaTestClients.awaitTopic(tp.topic());
        String line = "preflight_data_batches_ahead{run=\"" + run.runId() + "\"} ";
        // Nobody commits: the stream stops maxAhead batches ahead, and the gauge says so.
        await().atMost(TIMEOUT).untilAsserted(() -> given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString(line + maxAhead + ".0")));
        try (KafkaConsumer<String, byte[]> trainer = KafkaTestClients.trainerConsumer(run.runId())) {
            trainer.assign(List.of(tp));
            trainer.commitSync(Map.of(tp, new OffsetAndMetadata(2)));
        }
        // Two committed: two more produced, still maxAhead ahead; the gauge never exceeds the bound.
        await().atMost(TIMEOUT).untilAsserted(() -> given().when().get("/q/metrics").then()
                .body(containsString("preflight_data_batches_produced_total{run=\"" + run.runId() + "\"} " + (maxAhead + 2) + ".0"))
                .body(containsString(line + maxAhead + ".0")));
        KafkaTestClients.send(Topics.RUN_EVENTS, run.runId(), Json.encode(new dev.preflight.wire.RunEvent(run.runId(),
                dev.preflight.wire.RunEvent.Type.FINISHED, 2, "done", "test", System.currentTimeMillis())));
    }

    @Test
    void runPreviewShowsTrainAndValBatches() throws Exception {
        RunSubmitted run = submit("shapes-seg", new DataConfig(5L, 0, 8, 0.2, null, AUGMENT, null), 3);
        String path = "/api/runs/" + run.runId() + "/preview.png";
        await().atMost(TIMEOUT).untilAsserted(() -> given().when().get(path + "?split=train").then().statusCode(200));
        assertNotNull(DatasetRegistrationTest.assertPng(given().when().get(path + "?split=train&batch=2").then()
                .statusCode(200).contentType("image/png").extract().asByteArray()));
        assertNotNull(DatasetRegistrationTest.assertPng(given().when().get(path + "?split=val&batch=1").then()
                .statusCode(200).contentType("image/png").extract().asByteArray()));
        given().when().get(path + "?split=train&batch=3").then().statusCode(400).body("error", containsString("'batch'"));
        given().when().get(path + "?split=test").then().statusCode(400).body("error", containsString("'split'"));
        given().when().get(path).then().statusCode(400).body("error", containsString("'split'"));
        given().when().get("/api/runs/no-such-run/preview.png?split=train").then().statusCode(404)
                .body("error", containsString("no-such-run"));
        consumeAll(run, 3);
    }
}
