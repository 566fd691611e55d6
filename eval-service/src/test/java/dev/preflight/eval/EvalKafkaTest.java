package dev.preflight.eval;

import dev.preflight.wire.ValSampling;
import dev.preflight.eval.metrics.ClassificationMetrics;
import dev.preflight.eval.metrics.RegressionMetrics;
import dev.preflight.eval.metrics.SegmentationMetrics;
import dev.preflight.eval.service.Evaluator;
import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.nn.Model;
import dev.preflight.nn.Models;
import dev.preflight.nn.Task;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.EvalReady;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.Snapshot;
import dev.preflight.wire.SnapshotCodec;
import dev.preflight.wire.Topics;
import dev.preflight.wire.ValStep;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eval-service through a real broker: snapshots in, ValSteps out, every number recomputed here on the same batch
 * with the same weights (the fake data-service is deterministic in its seed). Test config: fixed-batch-every 4,
 * fixed-batch-size 8, tf-threads 1 (so the recomputation below runs the very same kernels).
 */
@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class EvalKafkaTest {

    static final int VAL_SIZE = 64;
    static final int FIXED_SIZE = 8;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    KafkaProducer<byte[], byte[]> producer;
    KafkaConsumer<byte[], byte[]> valConsumer;
    final List<ValStep> received = new ArrayList<>();

    static RunSpec spec(String dataset, long dataSeed, ModelConfig model, int steps) {
        return new RunSpec(dataset, new DataConfig(dataSeed, 0, 32, 0.2), model, steps, 1);
    }

    @BeforeEach
    void connect() {
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new ByteArraySerializer(), new ByteArraySerializer());
        valConsumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", "test-" + UUID.randomUUID(),
                "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        valConsumer.subscribe(List.of(Topics.VAL_METRICS));
    }

    @AfterEach
    void disconnect() {
        producer.close();
        valConsumer.close();
    }

    void publish(Snapshot s) throws Exception {
        producer.send(new ProducerRecord<>(Topics.SNAPSHOTS, s.runId().getBytes(StandardCharsets.UTF_8), SnapshotCodec.encode(s))).get();
    }

    /** The ValStep of (runId, step), waiting up to a minute for it. */
    ValStep awaitVal(String runId, int step) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (ValStep v : received) {
                if (v.runId().equals(runId) && v.step() == step) {
                    return v;
                }
            }
            valConsumer.poll(Duration.ofMillis(200)).forEach(r -> received.add(ValStep.decode(r.value())));
        }
        throw new AssertionError("no ValStep for " + runId + " step " + step);
    }

    @Test
    void classificationSnapshotCarriesMetricsEqualToARecomputationOnTheSameBatch() throws Exception {
        String runId = RunIds.newId();
        int step = 7;
        ModelConfig mc = new ModelConfig("mlp", 5L, 1e-3, List.of(16));
        RunSpec spec = spec("shapes", 11L, mc, 10);
        try (Model model = Models.create(mc, new int[]{28, 28, 1}, 4, Task.CLASSIFICATION, 1)) {
            // Train a little so the predictions are not all one class: the per-class numbers then differ.
            for (int i = 0; i < 20; i++) {
                model.trainStep(FakeDataServiceResource.batch(32, 500 + i), 1e-2f);
            }
            // Garbage first: it must be dead-lettered and must not stop the valid snapshot behind it.
            producer.send(new ProducerRecord<>(Topics.SNAPSHOTS, runId.getBytes(StandardCharsets.UTF_8), "junk".getBytes(StandardCharsets.UTF_8)));
            publish(new Snapshot(runId, step, spec, new int[]{28, 28, 1}, 4, model.parameters()));

            ValStep v = awaitVal(runId, step);
            assertEquals(VAL_SIZE, v.batchSize());
            assertEquals("CLASSIFICATION", v.task());
            Batch expected = FakeDataServiceResource.batch(VAL_SIZE, ValSampling.sampleSeed(11L, step));
            Model.Evaluation e = model.evaluate(expected);
            ClassificationMetrics m = ClassificationMetrics.of(expected.labels(), e.predictions(), 4);
            assertEquals(e.loss(), v.valLoss(), 0.0, "val loss recomputed on the same batch and weights");
            assertEquals(m.accuracy(), v.valAccuracy(), 0.0);
            assertEquals(m.macroF1(), v.macroF1());
            assertEquals(m.macroPrecision(), v.macroPrecision());
            assertEquals(m.macroRecall(), v.macroRecall());
            assertArrayEquals(m.f1(), v.perClassF1());
            assertArrayEquals(m.confusion(), v.confusion());
            assertEquals(VAL_SIZE, java.util.Arrays.stream(v.confusion()).flatMapToInt(java.util.Arrays::stream).sum());
            assertNull(v.zeroInputLoss(), "the baseline is only evaluated at step 0 and the last step");
            assertNull(v.meanIou());
            assertNull(v.mae());
            assertEquals(List.of(new EvalReadyView(step, true)), readySignals(runId, 1),
                    "after the ValStep, the trainer is told the snapshot is done (snapshots on demand)");
        }

        ConsumerRecord<byte[], byte[]> letter = collect(Topics.DEAD_LETTERS, l -> l.stream().anyMatch(r -> isSnapshotLetter(r, runId)))
                .stream().filter(r -> isSnapshotLetter(r, runId)).findFirst()
                .orElseThrow(() -> new AssertionError("junk snapshot not dead-lettered"));
        assertTrue(new String(letter.headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8).contains("snapshot"));

        given().get("/q/metrics").then().statusCode(200).body(containsString("preflight_eval_snapshots_evaluated_total"));
    }

    @Test
    void baselineAtFirstAndLastStepAndTheFixedBatchAtItsCadenceOnTheSameSamples() throws Exception {
        String runId = RunIds.newId();
        long dataSeed = 4242L;
        int last = 9;
        ModelConfig mc = new ModelConfig("mlp", 3L, 1e-3, List.of(16));
        RunSpec spec = spec("shapes", dataSeed, mc, last);
        Batch fixed = FakeDataServiceResource.batch(FIXED_SIZE, ValSampling.fixedSampleSeed(dataSeed));
        List<ValStep> vals = new ArrayList<>();
        try (Model model = Models.create(mc, new int[]{28, 28, 1}, 4, Task.CLASSIFICATION, 1)) {
            for (int step = 0; step <= last; step++) {
                if (step > 0) {
                    model.trainStep(FakeDataServiceResource.batch(32, 900 + step), 3e-2f);
                }
                if (step == 4) {
                    // As if the mailbox had replaced step 4's snapshot: the fixed-batch point moves to step 5.
                    continue;
                }
                // One at a time, so the mailbox never replaces one and every published step gets its point.
                publish(new Snapshot(runId, step, spec, new int[]{28, 28, 1}, 4, model.parameters()));
                ValStep v = awaitVal(runId, step);
                vals.add(v);

                Batch val = FakeDataServiceResource.batch(VAL_SIZE, ValSampling.sampleSeed(dataSeed, step));
                assertEquals(model.evaluate(val).loss(), v.valLoss(), 0.0);
                if (step == 0 || step == last) {
                    Batch zero = new Batch(0, 0, val.dtype(), val.sampleShape(), 4, val.labels(), new byte[val.data().length]);
                    Model.Evaluation z = model.evaluate(zero);
                    assertEquals((double) z.loss(), v.zeroInputLoss(), "step " + step);
                    assertEquals(ClassificationMetrics.of(val.labels(), z.predictions(), 4).accuracy(), v.zeroInputAccuracy());
                } else {
                    assertNull(v.zeroInputLoss(), "step " + step);
                    assertNull(v.zeroInputAccuracy(), "step " + step);
                }
                boolean fixedStep = List.of(0, 5, 8, last).contains(step);
                if (fixedStep) {
                    Model.Evaluation f = model.evaluate(fixed);
                    assertArrayEquals(f.predictions(), v.fixedBatchPredictions(), "step " + step);
                    assertArrayEquals(fixed.labels(), v.fixedBatchLabels(), "the same samples every time, step " + step);
                    assertEquals((double) f.loss(), v.fixedBatchLoss());
                } else {
                    assertNull(v.fixedBatchPredictions(), "step " + step);
                    assertNull(v.fixedBatchLabels(), "step " + step);
                    assertNull(v.fixedBatchLoss(), "step " + step);
                }
            }
        }
        // Step 0, the first evaluated step at or after 4 (step 4 itself was never published), 8, and the last step.
        assertEquals(List.of(0, 5, 8, 9), vals.stream().filter(v -> v.fixedBatchPredictions() != null).map(ValStep::step).toList());
        // The fixed batch was fetched once for the run, with the seed derived from the run's data seed only.
        List<FakeDataServiceResource.Request> fixedFetches = FakeDataServiceResource.REQUESTS.stream()
                .filter(r -> r.splitSeed() == dataSeed && r.size() == FIXED_SIZE).toList();
        assertEquals(List.of(new FakeDataServiceResource.Request("shapes", dataSeed, FIXED_SIZE, ValSampling.fixedSampleSeed(dataSeed))), fixedFetches);

        // Coverage: 8 val points for the 8 published training steps; step 0 (initial weights) is not a training step.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/q/metrics").then().statusCode(200)
                .body(containsString("preflight_eval_val_points_total{run=\"" + runId + "\"} 8.0")));
    }

    @Test
    void segmentationAndRegressionSnapshotsCarryTheirTasksMetrics() throws Exception {
        String segRun = RunIds.newId();
        int[] segShape = {FakeDataServiceResource.SEG_SIZE, FakeDataServiceResource.SEG_SIZE, 1};
        ModelConfig segnet = ModelConfig.builder(ModelConfig.Type.SEGNET).seed(2L).learningRate(1e-3).hiddenUnits(List.of())
                .channels(List.of(4, 8)).build();
        // Asking a segmentation run for per-sample predictions gets the reason there are none, not silence.
        RunSpec segSpec = spec(FakeDataServiceResource.SEGMENTATION, 77L, segnet, 3).withPredictions(List.of("train"));
        try (Model model = Models.create(segnet, segShape, 3, Task.SEGMENTATION, 1)) {
            publish(new Snapshot(segRun, 3, segSpec, segShape, 3, model.parameters(), "SEGMENTATION"));
            ValStep v = awaitVal(segRun, 3);
            Batch val = FakeDataServiceResource.batch(FakeDataServiceResource.SEGMENTATION, VAL_SIZE, ValSampling.sampleSeed(77L, 3));
            Model.Evaluation e = model.evaluate(val);
            SegmentationMetrics m = SegmentationMetrics.of(val.masks(), e.predictions(), 3);
            assertEquals("SEGMENTATION", v.task());
            assertEquals(e.loss(), v.valLoss(), 0.0);
            assertEquals(m.pixelAccuracy(), v.pixelAccuracy());
            assertEquals(m.pixelAccuracy(), v.valAccuracy(), 0.0);
            assertEquals(m.meanIou(), v.meanIou());
            assertArrayEquals(m.iou(), v.perClassIou());
            assertArrayEquals(m.confusion(), v.confusion());
            assertNull(v.macroF1());
            assertNotNull(v.zeroInputAccuracy(), "the last step carries the baseline");
            Batch fixed = FakeDataServiceResource.batch(FakeDataServiceResource.SEGMENTATION, FIXED_SIZE, ValSampling.fixedSampleSeed(77L));
            assertEquals(FIXED_SIZE * segShape[0] * segShape[1], v.fixedBatchPredictions().length, "one class per pixel");
            assertArrayEquals(model.evaluate(fixed).predictions(), v.fixedBatchPredictions());
            assertEquals(fixed.masks()[5] & 0xFF, v.fixedBatchLabels()[5]);
            dev.preflight.wire.SamplePredictions none = collect(Topics.SAMPLE_PREDICTIONS, l -> l.stream()
                    .anyMatch(r -> segRun.equals(new String(r.key(), StandardCharsets.UTF_8)))).stream()
                    .filter(r -> segRun.equals(new String(r.key(), StandardCharsets.UTF_8)))
                    .map(r -> dev.preflight.wire.SamplePredictions.decode(r.value())).findFirst().orElseThrow();
            assertEquals("per-sample predictions are for classification; this run is SEGMENTATION", none.error());
            assertEquals("train", none.split());
            assertEquals(0, none.size());
        }

        String regRun = RunIds.newId();
        ModelConfig mlp = new ModelConfig("mlp", 2L, 1e-3, List.of(8));
        RunSpec regSpec = spec(FakeDataServiceResource.REGRESSION, 78L, mlp, 5);
        int dim = FakeDataServiceResource.TARGET_DIM;
        try (Model model = Models.create(mlp, new int[]{8}, dim, Task.REGRESSION, 1)) {
            publish(new Snapshot(regRun, 0, regSpec, new int[]{8}, dim, model.parameters(), "REGRESSION"));
            ValStep v = awaitVal(regRun, 0);
            Batch val = FakeDataServiceResource.batch(FakeDataServiceResource.REGRESSION, VAL_SIZE, ValSampling.sampleSeed(78L, 0));
            Model.Evaluation e = model.evaluate(val);
            RegressionMetrics m = RegressionMetrics.of(val.targets(), e.outputs());
            assertEquals("REGRESSION", v.task());
            assertEquals(e.loss(), v.valLoss(), 0.0);
            assertEquals(m.mae(), v.mae());
            assertEquals(m.rmse(), v.rmse());
            assertEquals(0.0, v.valAccuracy(), 0.0, "no accuracy for regression");
            assertNotNull(v.zeroInputLoss());
            assertNull(v.zeroInputAccuracy(), "no accuracy for regression");
            assertNull(v.fixedBatchPredictions());
            assertEquals(FIXED_SIZE * dim, v.fixedBatchOutputs().length);
            assertEquals(FIXED_SIZE * dim, v.fixedBatchTargets().length);
            Batch fixed = FakeDataServiceResource.batch(FakeDataServiceResource.REGRESSION, FIXED_SIZE, ValSampling.fixedSampleSeed(78L));
            assertEquals((double) model.evaluate(fixed).outputs()[3], v.fixedBatchOutputs()[3]);
            assertEquals((double) fixed.targets()[3], v.fixedBatchTargets()[3]);
        }
    }

    /** What the tests compare of an {@link EvalReady}: its step and whether it was validated. */
    record EvalReadyView(int step, boolean validated) {
    }

    /** The run's EvalReady signals, in order, once {@code count} arrived (or after a minute). */
    List<EvalReadyView> readySignals(String runId, int count) {
        return collect(Topics.EVAL_READY, l -> l.stream().filter(r -> EvalReady.decode(r.value()).runId().equals(runId)).count() >= count)
                .stream().map(r -> EvalReady.decode(r.value())).filter(r -> r.runId().equals(runId))
                .map(r -> new EvalReadyView(r.step(), r.validated())).toList();
    }

    @Test
    void aSnapshotThatCannotBeEvaluatedIsStillReportedDoneSoItsTrainerIsNotHeldBack() throws Exception {
        String runId = RunIds.newId();
        // No weights at all: loading them into the run's model fails.
        publish(new Snapshot(runId, 3, spec("shapes", 11L, new ModelConfig("mlp", 5L, 1e-3, List.of(16)), 10),
                new int[]{28, 28, 1}, 4, List.of()));
        assertEquals(List.of(new EvalReadyView(3, false)), readySignals(runId, 1));
    }

    /**
     * A run whose spec asks for val predictions: after its last snapshot's ValStep, every sample of the split in chunks
     * of 1,024 consecutive positions, each row the model's softmax for that sample (recomputed here on the sample alone).
     */
    @Test
    void theLastSnapshotOfARunAskingForPredictionsScoresEverySampleOfTheSplit() throws Exception {
        String runId = RunIds.newId();
        ModelConfig mc = new ModelConfig("mlp", 9L, 1e-3, List.of(16));
        RunSpec spec = spec("shapes", 77L, mc, 3).withPredictions(List.of("val"));
        try (Model model = Models.create(mc, new int[]{28, 28, 1}, 4, Task.CLASSIFICATION, 1)) {
            model.trainStep(FakeDataServiceResource.batch(32, 1), 1e-2f);
            publish(new Snapshot(runId, 3, spec, new int[]{28, 28, 1}, 4, model.parameters()));
            awaitVal(runId, 3);
            List<dev.preflight.wire.SamplePredictions> chunks = collect(Topics.SAMPLE_PREDICTIONS,
                    l -> l.stream().filter(r -> runId.equals(new String(r.key(), StandardCharsets.UTF_8)))
                            .mapToInt(r -> dev.preflight.wire.SamplePredictions.decode(r.value()).size()).sum() >= FakeDataServiceResource.SPLIT_SIZE)
                    .stream().filter(r -> runId.equals(new String(r.key(), StandardCharsets.UTF_8)))
                    .map(r -> dev.preflight.wire.SamplePredictions.decode(r.value())).toList();
            assertEquals(List.of(0, 1024, 2048), chunks.stream().map(dev.preflight.wire.SamplePredictions::from).toList());
            for (dev.preflight.wire.SamplePredictions c : chunks) {
                assertEquals(FakeDataServiceResource.SPLIT_SIZE, c.total());
                assertEquals(3, c.step());
                assertNull(c.error());
                for (int j : new int[]{0, c.size() / 2, c.size() - 1}) {
                    int p = c.from() + j;
                    Batch one = FakeDataServiceResource.splitSample(p);
                    assertEquals(FakeDataServiceResource.splitIndex(p), c.indices()[j]);
                    assertEquals(one.labels()[0], c.labels()[j]);
                    assertArrayEquals(model.probabilities(one), c.probabilities()[j], 1e-6f, "position " + p);
                }
            }
        }
    }

    List<ConsumerRecord<byte[], byte[]>> collect(String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> until) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "test-" + UUID.randomUUID(), "auto.offset.reset", "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!until.test(out) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    static boolean isSnapshotLetter(ConsumerRecord<byte[], byte[]> r, String runId) {
        return r.key() != null && runId.equals(new String(r.key(), StandardCharsets.UTF_8))
                && r.headers().lastHeader("dead-letter-reason") != null;
    }
}
