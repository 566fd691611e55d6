package dev.preflight.data.it;

import dev.preflight.data.load.TestFiles;
import dev.preflight.data.service.DatasetRegistry;
import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DType;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Registration, stats and previews of datasets on disk, through REST; every file is made here, under the test root. */
@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class DatasetRegistrationTest {

    @Inject
    DatasetRegistry registry;

    /** A fresh directory (and name prefix) per test: the data root and its registry file outlive a test run. */
    String id;
    Path dir;

    @BeforeEach
    void freshDirectory() throws Exception {
        id = "t" + Long.toString(System.nanoTime(), 36);
        dir = Files.createDirectories(registry.root().path().resolve(id));
    }

    /** The key application.properties gives the data-service in tests. */
    static final String KEY = "test-key";

    private static io.restassured.response.ValidatableResponse post(String json) {
        return given().header("X-API-Key", KEY).contentType("application/json").body(json).when().post("/api/datasets").then();
    }

    private String body(String name, String format, String path, String extra) {
        return "{\"name\":\"" + name + "\",\"format\":\"" + format + "\",\"path\":\"" + path + "\"" + extra + "}";
    }

    @Test
    void idxRegistrationIsUsableAndListed() throws Exception {
        TestFiles.idx(dir.resolve("mnistish"), 20, 6, 4, true);
        post(body(id + "-idx", "idx", id + "/mnistish", "")).statusCode(201)
                .header("Location", containsString("/api/datasets/" + id + "-idx"))
                .body("samples", equalTo(20)).body("sampleShape", equalTo(List.of(6, 6, 1)))
                .body("numClasses", equalTo(4)).body("classHistogram", equalTo(List.of(5, 5, 5, 5)));
        given().when().get("/api/datasets").then().statusCode(200).body("name", hasItem(id + "-idx"));
        Batch val = BatchCodec.decode(given().when()
                .get("/api/datasets/" + id + "-idx/val-batch?splitSeed=1&valFraction=0.2&size=4&sampleSeed=1")
                .then().statusCode(200).extract().asByteArray());
        assertEquals(4, val.size());
        // Sample i of the fixture is filled with the byte i: the val batch is the stored data.
        for (int j = 0; j < 4; j++) {
            assertEquals(val.data()[j * 36], val.data()[j * 36 + 35]);
        }
    }

    /** Pillow's fixtures (src/test/resources/paired, make_pairs.py), copied under the test root. */
    private void copyPairs(String fixture) throws Exception {
        Path from = Path.of(getClass().getResource("/paired/" + fixture).toURI());
        try (var files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path to = dir.resolve(fixture).resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
    }

    @Test
    void pairedFoldersRegisterAsRegressionDataAndBrokenPairsAreRefusedNamingTheFiles() throws Exception {
        copyPairs("good");
        copyPairs("broken");
        post(body(id + "-pairs", "paired", id + "/good", ",\"imageShape\":[8,8,1]")).statusCode(201).body("samples", equalTo(4));
        given().when().get("/api/datasets/" + id + "-pairs/stats?splitSeed=1&valFraction=0.5").then().statusCode(200)
                .body("paired.pairs", equalTo(4)).body("paired.identicalPairs", equalTo(1))
                .body("paired.identicalExamples", equalTo(List.of(id + "/good/inputs/d.png")))
                .body("labelProblems", equalTo(List.of()));
        Batch val = BatchCodec.decode(given().when()
                .get("/api/datasets/" + id + "-pairs/val-batch?splitSeed=1&valFraction=0.5&size=1&sampleSeed=1")
                .then().statusCode(200).extract().asByteArray());
        assertEquals(64, val.targetDim());
        assertEquals(200 / 255f, val.targets()[3 * 8 + 3], 1e-6f, "the square's level, scaled");
        post(body(id + "-broken", "paired", id + "/broken", ",\"imageShape\":[8,8,1]")).statusCode(422)
                .body("error", containsString(id + "/broken/inputs/e.png"))
                .body("error", containsString(id + "/broken/targets/f.png"))
                .body("error", containsString(id + "/broken/targets/b.png is 10x8 gray"))
                .body("error", containsString(id + "/broken/targets/d.png (truncated PNG"));
    }

    @Test
    void csvRegistrationTravelsAsFloat32() throws Exception {
        Files.writeString(dir.resolve("t.csv"), "a,b,label\n0.1,0.2,x\n0.3,0.4,y\n0.5,0.6,x\n0.7,0.8,y\n1,oops,x\n");
        post(body(id + "-csv", "csv", id + "/t.csv", ",\"labelColumn\":\"label\"")).statusCode(201)
                .body("samples", equalTo(4)).body("dtype", equalTo("float32")).body("classNames", equalTo(List.of("x", "y")))
                .body("skipped", equalTo(1));
        given().when().get("/api/datasets/" + id + "-csv/stats").then().statusCode(200)
                .body("skipped.count", equalTo(1))
                .body("skipped.files[0].file", equalTo(id + "/t.csv:6"))
                .body("skipped.files[0].reason", containsString("'oops'"));
        Batch val = BatchCodec.decode(given().when()
                .get("/api/datasets/" + id + "-csv/val-batch?splitSeed=1&valFraction=0.5&size=2&sampleSeed=1")
                .then().statusCode(200).extract().asByteArray());
        assertEquals(DType.FLOAT32, val.dtype());
    }

    @Test
    void raggedCsvIs422NamingTheLine() throws Exception {
        Files.writeString(dir.resolve("r.csv"), "1,2,0\n3,4,1\n5,6\n");
        post(body(id + "-rag", "csv", id + "/r.csv", "")).statusCode(422).body("error", containsString("line 3"));
    }

    @Test
    void wrongIdxMagicIs422() throws Exception {
        TestFiles.idx(dir.resolve("m"), 4, 4, 2, false);
        Files.write(dir.resolve("m/train-labels-idx1-ubyte"), new byte[]{0, 0, 9, 1, 0, 0, 0, 4, 0, 1, 0, 1});
        post(body(id + "-magic", "idx", id + "/m", "")).statusCode(422)
                .body("error", containsString("magic 0x00000901"));
    }

    @Test
    void imageFolderSkipsCorruptImagesAndListsThemInStats() throws Exception {
        TestFiles.grayPng(dir.resolve("f/cat/a.png"), 10, 10, 0);
        TestFiles.grayPng(dir.resolve("f/cat/b.png"), 30, 20, 50);
        TestFiles.rgbImage(dir.resolve("f/dog/c.jpg"), 12, 12, 0x00FF00, "jpg");
        TestFiles.rgbImage(dir.resolve("f/dog/d.png"), 7, 9, 0x0000FF, "png");
        Files.write(dir.resolve("f/dog/corrupt.jpg"), new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0, 1, 2});
        post(body(id + "-img", "image-folder", id + "/f", ",\"imageShape\":[8,8,3]")).statusCode(201)
                .body("samples", equalTo(4)).body("classNames", equalTo(List.of("cat", "dog"))).body("skipped", equalTo(1));
        given().when().get("/api/datasets/" + id + "-img/stats?splitSeed=3&valFraction=0.5").then().statusCode(200)
                .body("classHistogram", equalTo(List.of(2, 2)))
                .body("imbalanceRatio", equalTo(1.0f))
                .body("channelMean.size()", equalTo(3))
                .body("skipped.files[0].file", equalTo(id + "/f/dog/corrupt.jpg"))
                .body("leakage.samples", equalTo(0))
                .body("duplicates.groups", equalTo(0));
    }

    @Test
    void emptyDatasetIs422SayingWhy() throws Exception {
        Files.createDirectories(dir.resolve("empty/cls"));
        post(body(id + "-empty", "image-folder", id + "/empty", ",\"imageShape\":[8,8,1]")).statusCode(422)
                .body("error", containsString("no valid image"));
    }

    @Test
    void segmentationPairsGiveMasks() throws Exception {
        for (int i = 0; i < 4; i++) {
            TestFiles.grayPng(dir.resolve("s/images/p" + i + ".png"), 16, 16, i * 10);
            TestFiles.maskPng(dir.resolve("s/masks/p" + i + ".png"), 16, 16, 1 + i % 2);
        }
        post(body(id + "-seg", "segmentation", id + "/s", ",\"imageShape\":[8,8,1]")).statusCode(201)
                .body("segmentation", equalTo(true)).body("numClasses", equalTo(3));
        Batch val = BatchCodec.decode(given().when()
                .get("/api/datasets/" + id + "-seg/val-batch?splitSeed=1&valFraction=0.5&size=4&sampleSeed=1")
                .then().statusCode(200).extract().asByteArray());
        assertNotNull(val.masks());
        assertEquals(val.size() * 64, val.masks().length);
        assertPng(given().when().get("/api/datasets/" + id + "-seg/preview.png").then().statusCode(200)
                .contentType("image/png").extract().asByteArray());
    }

    @Test
    void pathsOutsideTheRootAreRefused() throws Exception {
        post(body(id + "-abs", "idx", "/etc", "")).statusCode(400).body("error", containsString("relative"));
        post(body(id + "-dots", "idx", id + "/../..", "")).statusCode(400).body("error", containsString("'..'"));
        Path outside = Files.createTempDirectory("preflight-outside");
        TestFiles.idx(outside, 4, 4, 2, false);
        Files.createSymbolicLink(dir.resolve("link"), outside);
        post(body(id + "-link", "idx", id + "/link", "")).statusCode(400).body("error", containsString("outside the data root"));
        post(body(id + "-missing", "idx", id + "/nothing-here", "")).statusCode(400).body("error", containsString("does not exist"));
    }

    @Test
    void badRequestsAreNamed() throws Exception {
        TestFiles.idx(dir.resolve("ok"), 6, 4, 2, false);
        post(body(id + "-fmt", "hdf5", id + "/ok", "")).statusCode(400).body("error", containsString("'hdf5'"));
        post(body("Bad Name", "idx", id + "/ok", "")).statusCode(400).body("error", containsString("name"));
        post(body(id + "-x", "idx", id + "/ok", ",\"labelz\":\"a\"")).statusCode(400).body("error", containsString("labelz"));
        post(body("shapes", "idx", id + "/ok", "")).statusCode(409).body("error", containsString("'shapes'"));
        post(body(id + "-twice", "idx", id + "/ok", "")).statusCode(201);
        post(body(id + "-twice", "idx", id + "/ok", "")).statusCode(409);
    }

    @Test
    void registrationNeedsTheApiKeyLikeTheGatewaysMutatingEndpoints() throws Exception {
        TestFiles.idx(dir.resolve("k"), 6, 4, 2, false);
        String json = body(id + "-key", "idx", id + "/k", "");
        given().contentType("application/json").body(json).when().post("/api/datasets").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Basic"))
                .body("error", containsString("X-API-Key"));
        given().header("X-API-Key", "guess").contentType("application/json").body(json).when().post("/api/datasets").then()
                .statusCode(401).body("error", containsString("wrong API key"));
        given().get("/api/datasets/" + id + "-key").then().statusCode(404);
        // HTTP Basic with the key as the password (any user), as browsers and the gateway allow.
        given().auth().preemptive().basic("anyone", KEY).contentType("application/json").body(json).when().post("/api/datasets")
                .then().statusCode(201);
        // Reads stay open.
        given().get("/api/datasets/" + id + "-key").then().statusCode(200);
    }

    @Test
    void aRunCheckAnswersTheSizesTheRunWouldGetOrNamesWhyItWouldBeRefused() {
        String model = "\"model\":{\"type\":\"mlp\",\"seed\":1,\"learningRate\":0.01},\"steps\":5";
        // 400 shapes in tests, stratified 0.2: 320 train, 80 val.
        given().contentType("application/json")
                .body("{\"dataset\":\"shapes\",\"data\":{\"seed\":5,\"subsetSize\":10,\"batchSize\":32,\"valFraction\":0.2}," + model + "}")
                .when().post("/api/run-checks").then().statusCode(200)
                .body("dataset", equalTo("shapes")).body("trainSize", equalTo(320)).body("valSize", equalTo(80))
                .body("subsetSize", equalTo(10)).body("batchSize", equalTo(10));
        given().contentType("application/json")
                .body("{\"dataset\":\"mnist-typo\",\"data\":{\"seed\":5,\"subsetSize\":0,\"batchSize\":32,\"valFraction\":0.2}," + model + "}")
                .when().post("/api/run-checks").then().statusCode(422)
                .body("error", containsString("unknown dataset 'mnist-typo'")).body("error", containsString("shapes-seg"));
        given().contentType("application/json")
                .body("{\"dataset\":\"shapes\",\"data\":{\"seed\":5,\"subsetSize\":321,\"batchSize\":32,\"valFraction\":0.2}," + model + "}")
                .when().post("/api/run-checks").then().statusCode(422)
                .body("error", containsString("subsetSize 321 exceeds the 320 train samples"));
        given().contentType("application/json")
                .body("{\"dataset\":\"shapes\",\"data\":{\"seed\":5,\"subsetSize\":0,\"batchSize\":0,\"valFraction\":-0.2}," + model + "}")
                .when().post("/api/run-checks").then().statusCode(400)
                .body("error", containsString("batchSize")).body("error", containsString("valFraction"));
    }

    @Test
    void registrationsAreRecordedOnTheDatasetsTopicForEveryReplica() throws Exception {
        TestFiles.idx(dir.resolve("p"), 6, 4, 2, false);
        post(body(id + "-kept", "idx", id + "/p", "")).statusCode(201);
        // The 201 comes after the broker's ack: the record is there at once, keyed by name, the registration as given.
        try (var consumer = KafkaTestClients.consumer("check-" + id)) {
            consumer.subscribe(List.of(dev.preflight.wire.Topics.DATASETS));
            dev.preflight.data.load.Registration found = null;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (found == null && System.nanoTime() < deadline) {
                for (var r : consumer.poll(java.time.Duration.ofMillis(500))) {
                    if ((id + "-kept").equals(r.key())) {
                        found = dev.preflight.wire.Json.decode(r.value(), dev.preflight.data.load.Registration.class);
                    }
                }
            }
            assertNotNull(found, "no record for " + id + "-kept on " + dev.preflight.wire.Topics.DATASETS);
            assertEquals("idx", found.format());
            assertEquals(id + "/p", found.path());
        }
    }

    @Test
    void builtInStatsAndPreview() throws Exception {
        given().when().get("/api/datasets/shapes/stats?splitSeed=5&valFraction=0.2").then().statusCode(200)
                .body("samples", equalTo(400)).body("classHistogram", equalTo(List.of(100, 100, 100, 100)))
                .body("imbalanceRatio", equalTo(1.0f)).body("duplicates.groups", equalTo(0))
                .body("leakage.trainSize", equalTo(320)).body("leakage.valSize", equalTo(80)).body("leakage.samples", equalTo(0));
        given().when().get("/api/datasets/shapes/stats").then().statusCode(200).body("leakage", nullValue());
        given().when().get("/api/datasets/shapes").then().statusCode(200)
                .body("classNames", equalTo(List.of("square", "ring", "triangle", "plus")));
        given().when().get("/api/datasets/shapes-seg").then().statusCode(200).body("segmentation", equalTo(true))
                .body("numClasses", equalTo(5));
        given().when().get("/api/datasets/shapes/stats?splitSeed=5").then().statusCode(400).body("error", containsString("'valFraction'"));
        given().when().get("/api/datasets/spirals").then().statusCode(200).body("dtype", equalTo("float32"))
                .body("sampleShape", equalTo(List.of(2)));
        given().when().get("/api/datasets/nope/stats").then().statusCode(404);
        given().when().get("/api/datasets/nope/preview.png").then().statusCode(404);
        given().when().get("/api/datasets/shapes/preview.png?count=0").then().statusCode(400).body("error", containsString("'count'"));
        BufferedImage img = assertPng(given().when().get("/api/datasets/shapes/preview.png?count=16&seed=2")
                .then().statusCode(200).contentType("image/png").extract().asByteArray());
        assertEquals(4 * (84 + 4) + 4, img.getWidth(), "4 columns of 84-pixel tiles");
        assertPng(given().when().get("/api/datasets/spirals/preview.png").then().statusCode(200).extract().asByteArray());
    }

    static BufferedImage assertPng(byte[] bytes) throws Exception {
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
        assertNotNull(img);
        return img;
    }
}
