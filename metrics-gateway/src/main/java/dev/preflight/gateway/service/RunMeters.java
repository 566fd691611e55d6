package dev.preflight.gateway.service;

import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.gateway.model.Metric;
import dev.preflight.gateway.model.RunState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Prometheus view of every run: meters are registered once, when the run is first seen, and read the run's state
 * on each scrape. Nothing is touched per event, so a fast trainer costs no registry lookups. Every per-run series
 * carries the same fixed tag set, {@code experiment, run, stage, model}, for its whole life (experiment and stage are
 * {@code none} when the spec has none), so dashboards can group by any of them.
 *
 * <p>Meters of a finished, failed or killed run are removed from the registry {@code preflight.gateway.meter-retention}
 * after it ended: a gateway that lives through thousands of ablation runs would otherwise export series without bound.
 * The exact history stays available over REST; only the Prometheus view retires.
 */
@ApplicationScoped
public class RunMeters {

    private static final Logger LOG = Logger.getLogger(RunMeters.class);

    private final MeterRegistry registry;
    private final Duration retention;
    private final LongSupplier nowMs;
    // Per run, every meter registered for it: exactly what retirement must remove.
    private final Map<String, List<Meter>> meters = new ConcurrentHashMap<>();
    private final Map<String, RunRecord> runs = new ConcurrentHashMap<>();
    private ScheduledExecutorService sweeper;

    @Inject
    public RunMeters(MeterRegistry registry, GatewayConfig config) {
        this(registry, config.meterRetention(), System::currentTimeMillis);
    }

    RunMeters(MeterRegistry registry, Duration retention, LongSupplier nowMs) {
        this.registry = registry;
        this.retention = retention;
        this.nowMs = nowMs;
    }

    /** The store, wired to register each run's meters on first sight, and the service-wide run counts by state. */
    @Produces
    @Singleton
    RunStore runStore() {
        RunStore store = new RunStore(this::register);
        registerStateCounts(store);
        return store;
    }

    /**
     * {@code preflight_runs{state}}: how many runs this gateway knows in each state, retired ones included (the count
     * is about runs, not about the series of live ones). One series per state, present from startup, so a
     * "killed" panel shows 0 rather than "no data" before the first kill.
     */
    void registerStateCounts(RunStore store) {
        for (RunState state : RunState.values()) {
            Gauge.builder("preflight_runs", store, s -> s.count(state))
                    .description("Runs known to this gateway, by state")
                    .tag("state", label(state))
                    .strongReference(true)
                    .register(registry);
        }
    }

    void register(RunRecord run) {
        Tags tags = Tags.of("experiment", run.experimentTag(), "run", run.runId(), "stage", run.stageTag(), "model", run.modelTag());
        List<Meter> registered = new ArrayList<>();
        for (Metric metric : Metric.values()) {
            // preflight_train_loss, preflight_step_seconds, ..., preflight_val_accuracy: the value at the highest step.
            registered.add(Gauge.builder("preflight_" + metric.id(), run, r -> r.latest(metric))
                    .description("Latest " + metric.id() + " of the run (at its highest step so far)")
                    .tags(tags)
                    // The store holds the run anyway; a strong reference makes the gauge independent of that.
                    .strongReference(true)
                    .register(registry));
        }
        registered.add(Gauge.builder("preflight_train_step", run, RunRecord::latestTrainStep)
                .description("Highest train step of the run seen so far")
                .tags(tags)
                .strongReference(true)
                .register(registry));
        registered.add(Gauge.builder("preflight_input_bound_ratio", run, RunRecord::inputBoundRatio)
                .description("Data wait / step time summed over the run's steps: near 1 the trainer starves for input")
                .tags(tags)
                .strongReference(true)
                .register(registry));
        for (RunState state : RunState.values()) {
            // One series per state, 1 for the current one: "state" is in the label so a panel can filter on it,
            // and the value flips without a series appearing or vanishing at each transition.
            registered.add(Gauge.builder("preflight_run_state", run, r -> r.state() == state ? 1 : 0)
                    .description("1 for the run's current state, 0 for the others")
                    .tags(tags.and("state", label(state)))
                    .strongReference(true)
                    .register(registry));
        }
        // Exposed as preflight_train_steps_total: the Prometheus naming convention appends _total to counters. A
        // function counter only weakly references the run; the store keeps every run for the process's life.
        registered.add(FunctionCounter.builder("preflight_train_steps", run, RunRecord::distinctTrainSteps)
                .description("Distinct train steps of the run received (redeliveries are not counted twice)")
                .tags(tags)
                .register(registry));
        meters.put(run.runId(), registered);
        runs.put(run.runId(), run);
    }

    /**
     * Removes the meters of every run that ended at least the retention ago. Idempotent; called by the sweeper and
     * directly by tests. A retired run is never registered again: its first sight is over.
     *
     * @return how many runs were retired by this call
     */
    public int retireExpired() {
        long now = nowMs.getAsLong();
        int retired = 0;
        for (RunRecord run : runs.values()) {
            long endedAt = run.terminalAtMs();
            if (endedAt > 0 && now - endedAt >= retention.toMillis()) {
                List<Meter> gone = meters.remove(run.runId());
                runs.remove(run.runId());
                if (gone != null) {
                    gone.forEach(registry::remove);
                    retired++;
                }
            }
        }
        return retired;
    }

    /** Runs whose meters are currently registered. */
    public int liveRuns() {
        return meters.size();
    }

    void start(@Observes StartupEvent event) {
        // Often enough that a run's series outlive the retention by at most a tenth of it, and never busier than 1/s.
        long periodMs = Math.max(1000, Math.min(retention.toMillis() / 10, 60_000));
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "preflight-meter-retirement");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                int n = retireExpired();
                if (n > 0) {
                    LOG.debugf("retired the meters of %d ended run(s)", n);
                }
            } catch (RuntimeException e) {
                // A failed sweep must not cancel the schedule (an uncaught exception would); the next one retries.
                LOG.warn("meter retirement failed", e);
            }
        }, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    static String label(RunState state) {
        return state.name().toLowerCase(Locale.ROOT);
    }
}
