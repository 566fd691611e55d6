package dev.preflight.gateway.tensorboard;

import com.sun.net.httpserver.HttpServer;
import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorBoardExporterTest {

    @TempDir
    Path logdir;
    private HttpServer dataService;

    @AfterEach
    void stopServer() {
        if (dataService != null) {
            dataService.stop(0);
        }
    }

    static GatewayConfig config(Path dir, String dataServiceUrl) {
        return new GatewayConfig() {
            @Override
            public boolean ensureTopics() {
                return false;
            }

            @Override
            public Duration submitTimeout() {
                return Duration.ofSeconds(1);
            }

            @Override
            public Duration meterRetention() {
                return Duration.ofMinutes(10);
            }

            @Override
            public Optional<Path> tensorboardDir() {
                return Optional.ofNullable(dir);
            }

            @Override
            public Optional<String> dataServiceUrl() {
                return Optional.ofNullable(dataServiceUrl);
            }

            @Override
            public io.quarkus.runtime.configuration.MemorySize maxWeightsSize() {
                return new io.quarkus.runtime.configuration.MemorySize(java.math.BigInteger.valueOf(1 << 20));
            }

            @Override
            public io.quarkus.runtime.configuration.MemorySize maxJsonBodySize() {
                return new io.quarkus.runtime.configuration.MemorySize(java.math.BigInteger.valueOf(1 << 20));
            }

            @Override
            public Optional<String> apiKey() {
                return Optional.empty();
            }

            @Override
            public Duration previewTimeout() {
                return Duration.ofSeconds(5);
            }

            @Override
            public Duration dataCheckTimeout() {
                return Duration.ofSeconds(5);
            }

            @Override
            public Duration lostAfter() {
                return Duration.ofMinutes(2);
            }
        };
    }

    private static TrainStep train(int step) {
        return new TrainStep("run-tb", step, 2.302585092994046 / step, 0.01 * step, 0.001 * step, 0.009 * step, 32);
    }

    private static Map<String, Float> scalars(Event e) {
        return e.getSummary().getValueList().stream().collect(Collectors.toMap(Summary.Value::getTag, Summary.Value::getSimpleValue));
    }

    @Test
    void scalarsRoundTripThroughTfRecordFramingAndTensorFlowsOwnEventClass() throws IOException {
        TensorBoardExporter exporter = new TensorBoardExporter(config(logdir, null));
        for (int step = 1; step <= 50; step++) {
            exporter.trainStep(train(step));
            if (step % 10 == 0) {
                exporter.valStep(new ValStep("run-tb", step, 1.0 / (step + 3), step / (step + 7.0), 64));
            }
        }
        exporter.flush();

        List<Event> train = EventFiles.read(logdir.resolve("run-tb/train"));
        assertEquals(51, train.size());
        assertEquals("brain.Event:2", train.get(0).getFileVersion(), "the first event names the format version");
        for (int step = 1; step <= 50; step++) {
            Event e = train.get(step);
            TrainStep expected = train(step);
            assertEquals(step, e.getStep());
            assertTrue(e.getWallTime() > 1.6e9, "wall time in seconds since the epoch: " + e.getWallTime());
            assertEquals(Map.of(
                    "loss", (float) expected.loss(),
                    "step_seconds", (float) expected.stepSeconds(),
                    "data_wait_seconds", (float) expected.dataWaitSeconds(),
                    "compute_seconds", (float) expected.computeSeconds(),
                    "samples_per_second", (float) expected.samplesPerSecond()), scalars(e));
        }

        List<Event> val = EventFiles.read(logdir.resolve("run-tb/val"));
        assertEquals(6, val.size());
        for (int i = 1; i <= 5; i++) {
            int step = 10 * i;
            assertEquals(step, val.get(i).getStep());
            assertEquals(Map.of("loss", (float) (1.0 / (step + 3)), "accuracy", (float) (step / (step + 7.0))), scalars(val.get(i)));
        }
        assertTrue(Files.list(logdir.resolve("run-tb/train")).allMatch(p -> p.getFileName().toString().startsWith("events.out.tfevents.")));
    }

    @Test
    void aNewGatewayProcessRewritesARunsFilesInsteadOfAppendingAReplay() throws IOException {
        TensorBoardExporter first = new TensorBoardExporter(config(logdir, null));
        first.trainStep(train(1));
        first.trainStep(train(2));
        first.flush();
        Path stale = logdir.resolve("run-tb/train/events.out.tfevents.1.older-host");
        Files.copy(Files.list(logdir.resolve("run-tb/train")).findFirst().orElseThrow(), stale);

        // A restarted gateway replays the run from Kafka: the files must hold each step once, not twice.
        TensorBoardExporter restarted = new TensorBoardExporter(config(logdir, null));
        restarted.trainStep(train(1));
        restarted.trainStep(train(2));
        restarted.flush();
        assertFalse(Files.exists(stale));
        List<Event> events = EventFiles.read(logdir.resolve("run-tb/train"));
        assertEquals(List.of(0L, 1L, 2L), events.stream().map(Event::getStep).toList());
    }

    @Test
    void previewImagesOfARunStartAreWrittenAsImageSummariesAndAFailedFetchChangesNothingElse() throws Exception {
        byte[] png = png(28, 56);
        dataService = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        dataService.createContext("/api/runs/run-tb/preview.png", exchange -> {
            boolean train = "split=train".equals(exchange.getRequestURI().getQuery());
            // The val preview fails: only the train one may appear, and scalars must be unaffected.
            byte[] body = train ? png : "no".getBytes();
            exchange.sendResponseHeaders(train ? 200 : 500, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        dataService.start();
        TensorBoardExporter exporter = new TensorBoardExporter(config(logdir,
                "http://localhost:" + dataService.getAddress().getPort() + "/"));

        exporter.event(new RunEvent("run-tb", RunEvent.Type.STARTED, 0, null, "t1", 1L));
        exporter.trainStep(train(1));
        exporter.valStep(new ValStep("run-tb", 1, 0.5, 0.25, 8));
        exporter.valStep(new ValStep("run-tb", 2, 0.5, 0.75, 16, "CLASSIFICATION", null, null, 0.375, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null));
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            exporter.flush();
            return EventFiles.read(logdir.resolve("run-tb/train")).stream().anyMatch(e -> e.getSummary().getValueCount() == 1
                    && e.getSummary().getValue(0).hasImage());
        });
        Summary.Value preview = EventFiles.read(logdir.resolve("run-tb/train")).stream()
                .filter(e -> e.getSummary().getValueCount() == 1 && e.getSummary().getValue(0).hasImage())
                .findFirst().orElseThrow().getSummary().getValue(0);
        assertEquals("preview", preview.getTag());
        assertEquals(28, preview.getImage().getHeight());
        assertEquals(56, preview.getImage().getWidth());
        assertEquals(3, preview.getImage().getColorspace());
        assertArrayEquals(png, preview.getImage().getEncodedImageString().toByteArray());

        exporter.flush();
        List<Event> val = EventFiles.read(logdir.resolve("run-tb/val"));
        assertEquals(3, val.size(), "version + the two val steps, no image");
        assertEquals(Map.of("loss", 0.5f, "accuracy", 0.25f), scalars(val.get(1)));
        assertEquals(Map.of("loss", 0.5f, "accuracy", 0.75f, "f1", 0.375f), scalars(val.get(2)), "F1 where the step has it");
    }

    @Test
    void anUnreachableDataServiceDoesNotStopTheExport() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        TensorBoardExporter exporter = new TensorBoardExporter(config(logdir, "http://localhost:" + closedPort));
        exporter.event(new RunEvent("run-tb", RunEvent.Type.STARTED, 0, null, "t1", 1L));
        exporter.trainStep(train(1));
        exporter.flush();
        assertEquals(2, EventFiles.read(logdir.resolve("run-tb/train")).size());
    }

    @Test
    void withoutALogdirNothingIsWritten() throws IOException {
        TensorBoardExporter exporter = new TensorBoardExporter(config(null, "http://localhost:1"));
        assertFalse(exporter.enabled());
        exporter.trainStep(train(1));
        exporter.event(new RunEvent("run-tb", RunEvent.Type.STARTED, 0, null, "t1", 1L));
        exporter.flush();
        try (var files = Files.list(logdir)) {
            assertEquals(0, files.count());
        }
    }

    static byte[] png(int height, int width) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x * 4) << 16 | (y * 9) << 8 | 0x40);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
