package dev.preflight.cli;

import dev.preflight.kafka.LocalKafka;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.Json;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two data-service replicas (the packaged app, as users deploy it) against one real broker: a dataset registered on
 * one is served by the other (same val-batch bytes), runs submitted while both are up are each streamed by exactly one
 * replica with every batch once (and previewed by either), and after the registering replica stops, the other streams
 * runs on its dataset.
 */
class DataServiceReplicasTest {

    private static final String KEY = "replicas-test-key";
    private static final int STEPS = 24;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static LocalKafka kafka;
    static Path dir;
    static final List<Replica> replicas = new ArrayList<>();

    record Replica(String name, Process process, int port, Path log) {
        String url(String path) {
            return "http://localhost:" + port + path;
        }

        String logText() throws IOException {
            return Files.readString(log);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        kafka = LocalKafka.start();
        dir = Path.of("target/replicas-test/" + UUID.randomUUID());
        Path root = Files.createDirectories(dir.resolve("data"));
        writeIdx(root.resolve("digits"), 120, 8);
        Path home = Path.of(System.getProperty("preflight.home", ".."));
        Path jar = home.resolve("data-service/target/quarkus-app/quarkus-run.jar");
        for (String name : List.of("data-a", "data-b")) {
            int port = freePort();
            Path log = dir.resolve(name + ".log");
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "QUARKUS_HTTP_PORT", String.valueOf(port),
                    "PREFLIGHT_DATA_ROOT", root.toAbsolutePath().toString(),
                    // Each replica its own store, as on separate machines: each decodes or maps for itself.
                    "PREFLIGHT_DATA_STORE_DIR", dir.resolve(name + "-store").toAbsolutePath().toString(),
                    "PREFLIGHT_DATA_API_KEY", KEY));
            replicas.add(new Replica(name, pb.start(), port, log));
        }
        for (Replica r : replicas) {
            awaitStatus(r, "/q/health/ready", 200, Duration.ofSeconds(120));
        }
    }

    @AfterAll
    static void stop() {
        replicas.forEach(r -> r.process().destroyForcibly());
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void registeredOnOneServedAndStreamedByTheOtherAndNoRunStreamedTwice() throws Exception {
        Replica a = replicas.get(0);
        Replica b = replicas.get(1);
        String registration = "{\"name\":\"digits\",\"format\":\"idx\",\"path\":\"digits\"}";
        assertEquals(401, post(b, "/api/datasets", registration, null).statusCode(), "the API key is still required");
        HttpResponse<String> created = post(a, "/api/datasets", registration, KEY);
        assertEquals(201, created.statusCode(), created.body());

        // B adopts it from preflight.datasets: same facts, same val batch bytes, and the name is taken there too.
        awaitStatus(b, "/api/datasets/digits", 200, Duration.ofSeconds(30));
        assertEquals(get(a, "/api/datasets/digits").body(), get(b, "/api/datasets/digits").body());
        String val = "/api/datasets/digits/val-batch?splitSeed=3&valFraction=0.25&size=16&sampleSeed=5";
        byte[] fromA = getBytes(a, val);
        assertEquals(16, BatchCodec.decode(fromA).labels().length);
        assertArrayEquals(fromA, getBytes(b, val), "B serves A's dataset byte for byte");
        HttpResponse<String> again = post(b, "/api/datasets", registration, KEY);
        assertEquals(409, again.statusCode(), again.body());

        // Both up: the group splits the run queue's partitions; each run is streamed by exactly one replica, once.
        awaitGroupOfTwo();
        List<String> both = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            both.add(submit("digits"));
        }
        for (String runId : both) {
            consumeAll(runId);
        }
        for (String runId : both) {
            // Whichever replica streams it, both render its train batch 0 (the same bytes).
            assertArrayEquals(getBytes(a, "/api/runs/" + runId + "/preview.png?split=train"),
                    getBytes(b, "/api/runs/" + runId + "/preview.png?split=train"), runId + ": preview from either replica");
            boolean byA = a.logText().contains("run " + runId + ": streaming batches");
            boolean byB = b.logText().contains("run " + runId + ": streaming batches");
            assertTrue(byA ^ byB, runId + " streamed by exactly one replica (A " + byA + ", B " + byB + ")");
        }

        // A (where the dataset was registered) stops: B gets every partition and streams runs on A's dataset.
        a.process().destroy();
        assertTrue(a.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        String later = submit("digits");
        consumeAll(later);
        assertTrue(b.logText().contains("run " + later + ": streaming batches"), "B streamed the run after A left");
        assertArrayEquals(fromA, getBytes(b, val), "B still serves the val batch");
    }

    /** Until both replicas are members of the run queue's group and it is stable (partitions split between them). */
    private static void awaitGroupOfTwo() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                ConsumerGroupDescription g = admin.describeConsumerGroups(List.of("preflight-data-service"))
                        .describedGroups().get("preflight-data-service").get();
                if (g.state() == ConsumerGroupState.STABLE && g.members().size() == 2
                        && g.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
                    return;
                }
                assertTrue(System.nanoTime() < deadline, "group not stable with two members: " + g);
                Thread.sleep(200);
            }
        }
    }

    /** Reads a run's batch topic as its trainer would (committing, so the stream's prefetch bound moves on). */
    private static void consumeAll(String runId) {
        TopicPartition tp = new TopicPartition(Topics.batches(runId), 0);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, Topics.trainerGroup(runId),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!c.listTopics(Duration.ofSeconds(5)).containsKey(tp.topic())) {
                assertTrue(System.nanoTime() < deadline, "no batch topic for " + runId);
                Thread.sleep(100);
            }
            c.assign(List.of(tp));
            c.seek(tp, 0);
            List<Long> indices = new ArrayList<>();
            while (indices.size() < STEPS && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    Batch batch = BatchCodec.decode(r.value());
                    assertEquals(r.offset(), batch.index(), "batch i at offset i");
                    indices.add(batch.index());
                }
                c.commitSync(Map.of(tp, new OffsetAndMetadata(c.position(tp))));
            }
            assertEquals(STEPS, indices.size(), runId + ": every batch");
            Thread.sleep(300);
            assertEquals(STEPS, c.endOffsets(List.of(tp)).get(tp), runId + ": no batch written twice");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String submit(String dataset) {
        String runId = "rep-" + UUID.randomUUID().toString().substring(0, 8);
        RunSpec spec = new RunSpec(dataset, new DataConfig(5L, 0, 8, 0.25), new ModelConfig("mlp", 1L, 0.01, List.of(8)), STEPS, null);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(Topics.RUNS, runId, Json.encode(new RunSubmitted(runId, spec, System.currentTimeMillis())))).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return runId;
    }

    /** IDX images (8x8, image i filled with i*2+1) and labels i % 4. */
    private static void writeIdx(Path d, int n, int side) throws IOException {
        Files.createDirectories(d);
        try (DataOutputStream img = new DataOutputStream(Files.newOutputStream(d.resolve("train-images-idx3-ubyte")));
             DataOutputStream lab = new DataOutputStream(Files.newOutputStream(d.resolve("train-labels-idx1-ubyte")))) {
            img.writeInt(0x803);
            img.writeInt(n);
            img.writeInt(side);
            img.writeInt(side);
            lab.writeInt(0x801);
            lab.writeInt(n);
            for (int i = 0; i < n; i++) {
                byte[] pixels = new byte[side * side];
                Arrays.fill(pixels, (byte) (i * 2 + 1));
                img.write(pixels);
                lab.write(i % 4);
            }
        }
    }

    private static HttpResponse<String> post(Replica r, String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(r.url(path))).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("X-API-Key", key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(Replica r, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(r.url(path))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] getBytes(Replica r, String path) throws Exception {
        HttpResponse<byte[]> resp = HTTP.send(HttpRequest.newBuilder(URI.create(r.url(path))).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, resp.statusCode(), new String(resp.body()));
        return resp.body();
    }

    private static void awaitStatus(Replica r, String path, int status, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            assertTrue(r.process().isAlive(), r.name() + " exited; see " + r.log());
            try {
                if (get(r, path).statusCode() == status) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            assertTrue(System.nanoTime() < deadline, r.name() + ": " + path + " not " + status + " after " + timeout + "; see " + r.log());
            Thread.sleep(200);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
