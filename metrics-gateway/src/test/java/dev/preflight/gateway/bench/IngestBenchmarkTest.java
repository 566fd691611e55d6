package dev.preflight.gateway.bench;

import dev.preflight.gateway.messaging.EventConsumer;
import dev.preflight.gateway.service.RunMetersAccess;
import dev.preflight.gateway.service.RunStore;
import dev.preflight.gateway.tensorboard.TensorBoardExporter;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.preflight.gateway.tensorboard.TensorBoardExporterTestAccess.config;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The gateway's per-event ingest path without Kafka: strict JSON decode, history store, meter bookkeeping (meters are
 * registered once per run, so per event only the run's state changes), optionally the TensorBoard export, with a
 * Prometheus scrape of every run's series at the end. Prints events/s; asserts only that nothing was lost.
 *
 * <p>Run with {@code ./mvnw -B -pl metrics-gateway -Pbench verify}.
 */
@Tag("bench")
class IngestBenchmarkTest {

    static final int RUNS = 100;
    static final int STEPS = 5_000;
    static final int VAL_EVERY = 10;

    @TempDir
    Path logdir;

    /** Pre-encoded records, as the consumer receives them: run-interleaved like several trainers publishing at once. */
    static List<byte[]>[] events() {
        @SuppressWarnings("unchecked")
        List<byte[]>[] byTopic = new List[] {new ArrayList<>(), new ArrayList<>(), new ArrayList<>()};
        for (int run = 0; run < RUNS; run++) {
            byTopic[2].add(Json.encode(new RunEvent("run-bench-" + run, RunEvent.Type.STARTED, 0, null, "t", 1L)));
        }
        for (int step = 1; step <= STEPS; step++) {
            for (int run = 0; run < RUNS; run++) {
                String id = "run-bench-" + run;
                byTopic[0].add(Json.encode(new TrainStep(id, step, 2.3 / step + run * 1e-3, 0.01, 0.002, 0.008, 32)));
                if (step % VAL_EVERY == 0) {
                    byTopic[1].add(Json.encode(new ValStep(id, step, 2.4 / step, 0.5, 64)));
                }
            }
        }
        return byTopic;
    }

    @Test
    void ingestWithoutTensorBoard() {
        measure("decode + store + meters", null);
    }

    @Test
    void ingestWithTensorBoard() {
        measure("decode + store + meters + TensorBoard files", logdir);
    }

    private void measure(String what, Path tensorboardDir) {
        List<byte[]>[] events = events();
        int total = events[0].size() + events[1].size() + events[2].size();
        // Two passes: the first warms the JIT up, the second is measured on a fresh store.
        for (int pass = 0; pass < 2; pass++) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            RunStore store = RunMetersAccess.store(registry);
            TensorBoardExporter exporter = new TensorBoardExporter(config(tensorboardDir == null ? null : tensorboardDir.resolve("p" + pass), null));
            // No dead-letter publisher: every benchmark record is valid, and the per-record methods never use it.
            EventConsumer consumer = new EventConsumer(store, exporter, null);
            long t0 = System.nanoTime();
            events[2].forEach(consumer::onRunEvent);
            int v = 0;
            for (int i = 0; i < events[0].size(); i++) {
                consumer.onTrainStep(events[0].get(i));
                // Val steps interleaved at their real rate, as the two consumers would deliver them.
                if ((i + 1) % (RUNS * VAL_EVERY) == 0) {
                    for (int k = 0; k < RUNS; k++) {
                        consumer.onValStep(events[1].get(v++));
                    }
                }
            }
            exporter.flush();
            long t1 = System.nanoTime();
            String scrape = registry.scrape();
            long t2 = System.nanoTime();
            assertEquals(STEPS, store.find("run-bench-0").orElseThrow().distinctTrainSteps());
            assertEquals(STEPS / VAL_EVERY, store.find("run-bench-7").orElseThrow().history(null, null).val().size());
            if (pass == 1) {
                double seconds = (t1 - t0) / 1e9;
                System.out.printf("BENCH %-48s %,d events in %.2f s = %,.0f events/s; scrape of %d runs %.1f ms (%,d bytes)%n",
                        what, total, seconds, total / seconds, RUNS, (t2 - t1) / 1e6, scrape.length());
            }
        }
    }
}
