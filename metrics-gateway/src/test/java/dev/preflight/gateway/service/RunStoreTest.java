package dev.preflight.gateway.service;

import dev.preflight.gateway.model.Metric;
import dev.preflight.gateway.model.MetricSeries;
import dev.preflight.gateway.model.RunHistory;
import dev.preflight.gateway.model.RunState;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunStoreTest {

    private final List<RunRecord> firstSights = new ArrayList<>();
    private final RunStore store = new RunStore(firstSights::add);

    private static TrainStep train(String run, int step, double loss) {
        return new TrainStep(run, step, loss, 0.5, 0.1, 0.4, 32);
    }

    private static RunSpec spec() {
        return new RunSpec("shapes", new DataConfig(1L, 0, 32, 0.2), new ModelConfig("mlp", 7L, 1e-3, List.of(128)), 100, null);
    }

    @Test
    void trainStepsComeBackInStepOrderWhateverTheArrivalOrder() {
        for (int step : new int[] {5, 1, 4, 2, 3}) {
            store.trainStep(train("run-a", step, step / 10.0));
        }
        RunHistory history = store.find("run-a").orElseThrow().history(null, null);
        assertEquals(List.of(1, 2, 3, 4, 5), history.train().stream().map(TrainStep::step).toList());
        assertEquals(5, store.find("run-a").orElseThrow().detail().step());
        assertEquals(0.5, store.find("run-a").orElseThrow().detail().trainLoss());
    }

    @Test
    void aRedeliveredStepReplacesItsEntryAndIsNotCountedTwice() {
        store.trainStep(train("run-a", 1, 2.0));
        store.trainStep(train("run-a", 2, 1.5));
        store.trainStep(train("run-a", 2, 1.25));
        store.valStep(new ValStep("run-a", 2, 1.0, 0.5, 16));
        store.valStep(new ValStep("run-a", 2, 0.9, 0.6, 16));
        RunRecord run = store.find("run-a").orElseThrow();

        RunHistory history = run.history(null, null);
        assertEquals(List.of(train("run-a", 1, 2.0), train("run-a", 2, 1.25)), history.train());
        assertEquals(List.of(new ValStep("run-a", 2, 0.9, 0.6, 16)), history.val());
        assertEquals(2, run.distinctTrainSteps());
        assertEquals(1.25, run.latest(Metric.TRAIN_LOSS));
        assertEquals(0.6, run.latest(Metric.VAL_ACCURACY));
    }

    @Test
    void rangesAreInclusiveAndOpenEnded() {
        IntStream.rangeClosed(1, 10).forEach(s -> store.trainStep(train("run-a", s, s)));
        IntStream.of(2, 4, 6, 8, 10).forEach(s -> store.valStep(new ValStep("run-a", s, s, 0.1 * s, 8)));
        RunRecord run = store.find("run-a").orElseThrow();

        RunHistory window = run.history(3, 6);
        assertEquals(List.of(3, 4, 5, 6), window.train().stream().map(TrainStep::step).toList());
        assertEquals(List.of(4, 6), window.val().stream().map(ValStep::step).toList());
        assertEquals(List.of(9, 10), run.history(9, null).train().stream().map(TrainStep::step).toList());
        assertEquals(List.of(1, 2), run.history(null, 2).train().stream().map(TrainStep::step).toList());
        assertEquals(List.of(), run.history(11, 20).train());

        MetricSeries val = run.series(Metric.VAL_ACCURACY, 5, 10);
        assertEquals(List.of(new MetricSeries.Point(6, 0.1 * 6), new MetricSeries.Point(8, 0.1 * 8),
                new MetricSeries.Point(10, 0.1 * 10)), val.points());
        assertEquals("val_accuracy", val.metric());
    }

    @Test
    void samplesPerSecondIsDerivedFromBatchSizeAndStepTime() {
        store.trainStep(train("run-a", 1, 1.0));
        assertEquals(List.of(new MetricSeries.Point(1, 64.0)),
                store.find("run-a").orElseThrow().series(Metric.SAMPLES_PER_SECOND, null, null).points());
    }

    @Test
    void stateOnlyMovesForwardAndTheFirstTerminalEventIsFinal() {
        store.submitted(new RunSubmitted("run-a", spec(), 1L));
        assertEquals(RunState.SUBMITTED, store.find("run-a").orElseThrow().state());

        store.event(new RunEvent("run-a", RunEvent.Type.STARTED, 0, null, "trainer-1", 2L));
        store.event(new RunEvent("run-a", RunEvent.Type.FINISHED, 100, "final loss 0.1", null, 4L));
        // Late arrivals from the other topics must not drag a finished run back.
        store.trainStep(train("run-a", 100, 0.1));
        store.event(new RunEvent("run-a", RunEvent.Type.STARTED, 0, null, "trainer-2", 3L));
        store.event(new RunEvent("run-a", RunEvent.Type.FAILED, 100, "late", "trainer-2", 5L));

        var detail = store.find("run-a").orElseThrow().detail();
        assertEquals(RunState.FINISHED, detail.state());
        assertEquals("final loss 0.1", detail.message());
        assertEquals("trainer-1", detail.worker());
        assertEquals(1L, detail.submittedAtMs());
    }

    @Test
    void aResumedRunStaysRunningOnTheNewWorkerAndItsReplayedStepsCountOnce() {
        store.submitted(new RunSubmitted("run-r", spec(), 1L));
        store.event(new RunEvent("run-r", RunEvent.Type.STARTED, 0, "taken by trainer-1", "trainer-1", 2L));
        for (int step = 1; step <= 7; step++) {
            store.trainStep(train("run-r", step, 1.0 / step));
        }
        // trainer-1 is lost after step 7; trainer-2 resumes from the checkpoint at step 5 and replays 6 and 7.
        store.event(new RunEvent("run-r", RunEvent.Type.RESUMED, 5, "resumed by trainer-2", "trainer-2", 3L, "trainer-1"));
        for (int step = 6; step <= 10; step++) {
            store.trainStep(train("run-r", step, 1.0 / step));
        }
        RunRecord run = store.find("run-r").orElseThrow();
        assertEquals(RunState.RUNNING, run.state());
        assertEquals("trainer-2", run.detail().worker());
        assertEquals(10, run.distinctTrainSteps());
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), run.history(null, null).train().stream().map(TrainStep::step).toList());
        assertEquals(0L, run.terminalAtMs(), "a resumed run is live: its meters stay");
        store.event(new RunEvent("run-r", RunEvent.Type.FINISHED, 10, "final loss 0.1", "trainer-2", 4L));
        assertEquals(RunState.FINISHED, run.state());
    }

    @Test
    void eventsOfAnUnseenRunCreateItWithAnUnknownModelAndTheLaterSpecFillsIn() {
        store.event(new RunEvent("run-b", RunEvent.Type.FAILED, 3, "loss is NaN", "trainer-1", 1L));
        RunRecord run = store.find("run-b").orElseThrow();
        assertEquals(RunState.FAILED, run.state());
        assertEquals(RunRecord.UNKNOWN_MODEL, run.modelTag());
        assertNull(run.spec());

        store.submitted(new RunSubmitted("run-b", spec(), 9L));
        assertEquals(RunRecord.UNKNOWN_MODEL, run.modelTag(), "meter tags are fixed at first sight");
        assertEquals("mlp", run.summary().model());
        assertEquals(RunState.FAILED, run.state());
        assertEquals(List.of(run), firstSights);
    }

    @Test
    void aSubmittedRunIsTaggedWithItsModel() {
        store.submitted(new RunSubmitted("run-c", spec(), 1L));
        store.submitted(new RunSubmitted("run-c", spec(), 1L));
        assertEquals(1, firstSights.size());
        assertEquals("mlp", firstSights.get(0).modelTag());
    }

    @Test
    void listIsNewestSubmissionFirstThenEventOnlyRuns() {
        store.trainStep(train("run-z", 1, 1));
        store.submitted(new RunSubmitted("run-old", spec(), 1L));
        store.submitted(new RunSubmitted("run-new", spec(), 2L));
        assertEquals(List.of("run-new", "run-old", "run-z"), store.all().stream().map(RunRecord::runId).toList());
    }

    @Test
    void concurrentWritersFromSeveralTopicsLoseNothingAndMeetEachRunOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                futures.add(pool.submit(() -> {
                    for (int run = 0; run < 20; run++) {
                        for (int step = 1 + offset; step <= 200; step += 4) {
                            store.trainStep(train("run-" + run, step, step));
                            // Every thread also redelivers: duplicates must not inflate the count.
                            store.trainStep(train("run-" + run, 1, 1));
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(20, firstSights.size());
        for (int run = 0; run < 20; run++) {
            RunRecord r = store.find("run-" + run).orElseThrow();
            assertEquals(200, r.distinctTrainSteps());
            assertEquals(200, r.history(null, null).train().size());
            assertEquals(200.0, r.latestTrainStep());
            assertTrue(r.state() == RunState.RUNNING);
        }
    }

    private static dev.preflight.wire.SamplePredictions chunk(int step, int from, int n, int total) {
        int[] indices = IntStream.range(from, from + n).map(i -> 10 * i).toArray();
        float[][] probs = IntStream.range(from, from + n).mapToObj(i -> new float[]{i / 100f, 1 - i / 100f}).toArray(float[][]::new);
        return dev.preflight.wire.SamplePredictions.of("run-p", step, "val", total, from, indices, new int[n], probs);
    }

    @Test
    void predictionChunksJoinInSplitOrderOnlyOnceEverySampleArrivedAndALaterStepReplacesThem() {
        store.submitted(new RunSubmitted("run-p", spec().withPredictions(List.of("val")), 1L));
        RunRecord run = store.find("run-p").orElseThrow();
        store.samplePredictions(chunk(100, 3, 2, 5));
        assertTrue(run.samplePredictions("val").isEmpty());
        assertEquals("2 of 5 val predictions of run 'run-p' arrived so far", run.samplePredictionsMissing("val"));
        store.samplePredictions(chunk(100, 0, 3, 5));
        store.samplePredictions(chunk(100, 3, 2, 5)); // a redelivery replaces its chunk
        dev.preflight.wire.SamplePredictions joined = run.samplePredictions("val").orElseThrow();
        assertEquals(List.of(0, 10, 20, 30, 40), java.util.Arrays.stream(joined.indices()).boxed().toList());
        assertEquals(0.04f, joined.probabilities()[4][0]);
        assertEquals(0, joined.from());
        assertEquals(5, joined.total());
        store.samplePredictions(chunk(200, 0, 2, 4)); // the resubmitted run ran on: its new final weights' chunks win
        assertTrue(run.samplePredictions("val").isEmpty());
        store.samplePredictions(chunk(100, 0, 3, 5)); // a late chunk of the earlier weights is dropped
        store.samplePredictions(chunk(200, 2, 2, 4));
        assertEquals(200, run.samplePredictions("val").orElseThrow().step());
        assertTrue(run.samplePredictionsMissing("train").contains("did not ask for train predictions"));
        store.samplePredictions(dev.preflight.wire.SamplePredictions.failed("run-p", 200, "val", "not a classification run"));
        assertEquals("not a classification run", run.samplePredictions("val").orElseThrow().error());
    }
}
