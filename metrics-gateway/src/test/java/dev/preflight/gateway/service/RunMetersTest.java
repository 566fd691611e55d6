package dev.preflight.gateway.service;

import dev.preflight.wire.DataConfig;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import dev.preflight.gateway.model.Metric;
import dev.preflight.gateway.model.MetricSeries;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicLong now = new AtomicLong(1_000_000L);
    private final RunMeters meters = new RunMeters(registry, Duration.ofMinutes(10), now::get);
    private final RunStore store = meters.runStore();

    private static RunSpec spec(String experiment, String stage) {
        return new RunSpec("shapes", new DataConfig(1L, 0, 32, 0.2), new ModelConfig("mlp", 7L, 1e-3, List.of(8)), 10, null,
                null, experiment, stage);
    }

    private List<Meter> meters(String runId) {
        return registry.getMeters().stream().filter(m -> runId.equals(m.getId().getTag("run"))).toList();
    }

    private double gauge(String name, String runId, String... extraTags) {
        var search = registry.find(name).tag("run", runId);
        for (int i = 0; i < extraTags.length; i += 2) {
            search = search.tag(extraTags[i], extraTags[i + 1]);
        }
        return search.gauge().value();
    }

    @Test
    void everyRunSeriesCarriesTheSameFourTagsWithNoneForMissingLabels() {
        store.submitted(new RunSubmitted("run-a", spec("lr-sweep", "full-data"), 1L));
        store.submitted(new RunSubmitted("run-b", spec(null, null), 1L));
        for (Meter m : meters("run-a")) {
            assertEquals("lr-sweep", m.getId().getTag("experiment"), m.getId().toString());
            assertEquals("full-data", m.getId().getTag("stage"));
            assertEquals("mlp", m.getId().getTag("model"));
        }
        for (Meter m : meters("run-b")) {
            assertEquals("none", m.getId().getTag("experiment"));
            assertEquals("none", m.getId().getTag("stage"));
        }
        // 11 metric gauges (3 of them the critic's), train step, input-bound ratio, 6 state flags (LOST included), the step counter.
        assertEquals(20, meters("run-a").size());
    }

    @Test
    void theStateGaugeFlagsExactlyTheCurrentStateAndTheCountsFollow() {
        store.submitted(new RunSubmitted("run-a", spec(null, null), 1L));
        store.submitted(new RunSubmitted("run-b", spec(null, null), 2L));
        assertEquals(1.0, gauge("preflight_run_state", "run-a", "state", "submitted"));
        assertEquals(2.0, registry.find("preflight_runs").tag("state", "submitted").gauge().value());

        store.event(new RunEvent("run-a", RunEvent.Type.STARTED, 0, null, "t1", 5L));
        store.event(new RunEvent("run-b", RunEvent.Type.KILLED, 3, "user", "t2", 6L));
        assertEquals(0.0, gauge("preflight_run_state", "run-a", "state", "submitted"));
        assertEquals(1.0, gauge("preflight_run_state", "run-a", "state", "running"));
        assertEquals(1.0, gauge("preflight_run_state", "run-b", "state", "killed"));
        assertEquals(0.0, gauge("preflight_run_state", "run-b", "state", "running"));
        assertEquals(1.0, registry.find("preflight_runs").tag("state", "running").gauge().value());
        assertEquals(1.0, registry.find("preflight_runs").tag("state", "killed").gauge().value());
        assertEquals(0.0, registry.find("preflight_runs").tag("state", "finished").gauge().value());
    }

    @Test
    void inputBoundRatioIsTotalDataWaitOverTotalStepTimeAndARedeliveryReplacesItsShare() {
        assertTrue(Double.isNaN(new RunRecord("run-x", null).inputBoundRatio()));
        store.trainStep(new TrainStep("run-a", 1, 1.0, 1.0, 0.5, 0.5, 8));
        store.trainStep(new TrainStep("run-a", 2, 1.0, 3.0, 0.5, 2.5, 8));
        assertEquals(0.25, gauge("preflight_input_bound_ratio", "run-a"), 1e-12);
        store.trainStep(new TrainStep("run-a", 2, 1.0, 3.0, 2.5, 0.5, 8));
        assertEquals(0.75, gauge("preflight_input_bound_ratio", "run-a"), 1e-12);
    }

    @Test
    void metersOfAnEndedRunRetireAfterTheRetentionAndLiveRunsKeepTheirs() {
        store.trainStep(new TrainStep("run-done", 1, 1.0, 1.0, 0.1, 0.9, 8));
        store.trainStep(new TrainStep("run-live", 1, 1.0, 1.0, 0.1, 0.9, 8));
        // The event's own time counts: it ended one minute before "now".
        store.event(new RunEvent("run-done", RunEvent.Type.FINISHED, 1, "ok", "t1", now.get() - 60_000));
        assertEquals(0, meters.retireExpired());
        assertEquals(20, meters("run-done").size());

        now.addAndGet(Duration.ofMinutes(9).toMillis() - 1);
        assertEquals(0, meters.retireExpired(), "one millisecond before the retention is over");
        now.addAndGet(1);
        assertEquals(1, meters.retireExpired());
        assertEquals(List.of(), meters("run-done"));
        assertEquals(20, meters("run-live").size());
        assertEquals(1, meters.liveRuns());
        assertNull(registry.find("preflight_train_loss").tag("run", "run-done").gauge());

        // Late metrics of the retired run still reach the history, but do not bring its series back.
        store.trainStep(new TrainStep("run-done", 2, 0.5, 1.0, 0.1, 0.9, 8));
        assertEquals(2, store.find("run-done").orElseThrow().distinctTrainSteps());
        assertEquals(List.of(), meters("run-done"));
        assertEquals(0, meters.retireExpired());
        // Retired runs still count in preflight_runs: it counts runs, not live series.
        assertEquals(1.0, registry.find("preflight_runs").tag("state", "finished").gauge().value());
    }

    static ValStep withF1(String runId, int step, Double f1) {
        return new ValStep(runId, step, 0.5, 0.75, 16, "CLASSIFICATION", null, null, f1, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void f1IsTheLatestMacroF1AndUndefinedStepsAreLeftOutOfItsHistory() {
        store.valStep(withF1("run-a", 2, 0.625));
        assertEquals(0.625, gauge("preflight_val_f1", "run-a"));
        store.valStep(withF1("run-a", 4, null));
        assertTrue(Double.isNaN(gauge("preflight_val_f1", "run-a")), "the latest step has no F1");
        assertEquals(List.of(new MetricSeries.Point(2, 0.625)),
                store.find("run-a").orElseThrow().series(Metric.VAL_F1, null, null).points());
        assertEquals(2, store.find("run-a").orElseThrow().series(Metric.VAL_ACCURACY, null, null).points().size());
    }

    @Test
    void aTerminalEventWithoutATimeRetiresFromWhenTheGatewaySawIt() {
        store.event(new RunEvent("run-a", RunEvent.Type.FAILED, 1, "NaN", "t1", 0L));
        long seen = store.find("run-a").orElseThrow().terminalAtMs();
        assertTrue(seen > 0);
        now.set(seen + Duration.ofMinutes(10).toMillis() - 1);
        assertEquals(0, meters.retireExpired());
        now.set(seen + Duration.ofMinutes(10).toMillis());
        assertEquals(1, meters.retireExpired());
    }
}
