package dev.preflight.gateway.service;

import dev.preflight.gateway.model.Metric;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Prometheus view of every run: meters are registered once, when the run is first seen, and read the run's state
 * on each scrape. Nothing is touched per event, so a fast trainer costs no registry lookups, and the series of a run
 * keeps one stable set of tags ({@code run}, {@code model}) for its whole life.
 */
@ApplicationScoped
public class RunMeters {

    private final MeterRegistry registry;

    public RunMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The store, wired to register each run's meters on first sight. */
    @Produces
    @Singleton
    RunStore runStore() {
        return new RunStore(this::register);
    }

    void register(RunRecord run) {
        Tags tags = Tags.of("run", run.runId(), "model", run.modelTag());
        for (Metric metric : Metric.values()) {
            // preflight_train_loss, preflight_step_seconds, ..., preflight_val_accuracy: the value at the highest step.
            Gauge.builder("preflight_" + metric.id(), run, r -> r.latest(metric))
                    .description("Latest " + metric.id() + " of the run (at its highest step so far)")
                    .tags(tags)
                    // The store holds the run anyway; a strong reference makes the gauge independent of that.
                    .strongReference(true)
                    .register(registry);
        }
        Gauge.builder("preflight_train_step", run, RunRecord::latestTrainStep)
                .description("Highest train step of the run seen so far")
                .tags(tags)
                .strongReference(true)
                .register(registry);
        // Exposed as preflight_train_steps_total: the Prometheus naming convention appends _total to counters. A
        // function counter only weakly references the run; the store keeps every run for the process's life.
        FunctionCounter.builder("preflight_train_steps", run, RunRecord::distinctTrainSteps)
                .description("Distinct train steps of the run received (redeliveries are not counted twice)")
                .tags(tags)
                .register(registry);
    }
}
