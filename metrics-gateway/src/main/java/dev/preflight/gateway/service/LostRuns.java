package dev.preflight.gateway.service;

import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.gateway.messaging.ControlPublisher;
import dev.preflight.gateway.messaging.RunEventPublisher;
import dev.preflight.wire.RunCommand;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunLease;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Declares runs LOST whose trainer vanished and that no replica took over. The trainers renew a lease per run every
 * second ({@code preflight.leases}); an idle replica takes over a lease silent for its TTL (10 s) within seconds. A run
 * whose lease nobody renewed for {@code preflight.gateway.lost-after} (default 2 min) and that is not over has no
 * trainer left to resume it (none alive, or all busy): the gateway publishes a {@link RunEvent.Type#LOST} event (the run
 * ends LOST and its meters retire like an ended run's) and a {@link RunCommand.Type#FAIL} command, so a replica that
 * becomes free later does not train it behind the gateway's back (it ends it FAILED at once).
 *
 * <p>Silence is measured on this process's monotonic clock from when it read the lease's last record, as the trainers
 * do: no clocks are compared between machines, and after a gateway restart the count starts again from the replay.
 * Nor is a broker outage silence: each sweep first asks the broker ({@link BrokerProbe}), declares nothing while it
 * cannot be reached, and counts silence only from the last time it could not.
 */
@ApplicationScoped
public class LostRuns {

    private static final Logger LOG = Logger.getLogger(LostRuns.class);
    /** The worker named in LOST events: the gateway declared it, no trainer. */
    public static final String WORKER = "metrics-gateway";

    /** The last lease record read for an unreleased run: who held it, at which step, when (monotonic ns). */
    private record Held(String worker, int step, long readAtNanos) {
    }

    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final Set<String> declaring = ConcurrentHashMap.newKeySet();
    private final RunStore store;
    private final RunEventPublisher events;
    private final ControlPublisher control;
    private final Duration lostAfter;
    private final LongSupplier nanos;
    private final BooleanSupplier brokerReachable;
    /** The last sweep that found the broker away (at start: now, which every lease record read comes after). */
    private volatile long brokerUnreachableNanos;
    private ScheduledExecutorService sweeper;

    @Inject
    public LostRuns(RunStore store, RunEventPublisher events, ControlPublisher control, GatewayConfig config, BrokerProbe probe) {
        this(store, events, control, config.lostAfter(), System::nanoTime, probe::reachable);
    }

    LostRuns(RunStore store, RunEventPublisher events, ControlPublisher control, Duration lostAfter, LongSupplier nanos,
             BooleanSupplier brokerReachable) {
        this.store = store;
        this.events = events;
        this.control = control;
        this.lostAfter = lostAfter;
        this.nanos = nanos;
        this.brokerReachable = brokerReachable;
        this.brokerUnreachableNanos = nanos.getAsLong();
    }

    /** A lease record of the run (claim, renewal, takeover): its holder is alive now. */
    public void renewed(RunLease lease) {
        held.put(lease.runId(), new Held(lease.worker(), lease.step(), nanos.getAsLong()));
    }

    /** The lease was released (its run ended): nothing to watch. */
    public void released(String runId) {
        held.remove(runId);
    }

    /**
     * Declares every run silent for {@code lost-after} that is not over. Called by the sweeper, and by tests.
     *
     * @return how many runs were declared lost by this call
     */
    public int sweep() {
        if (held.isEmpty()) {
            return 0;
        }
        if (!brokerReachable.getAsBoolean()) {
            brokerUnreachableNanos = nanos.getAsLong();
            return 0;
        }
        long now = nanos.getAsLong();
        int declared = 0;
        for (Map.Entry<String, Held> e : held.entrySet()) {
            String runId = e.getKey();
            Held h = e.getValue();
            long silentNanos = now - Math.max(h.readAtNanos(), brokerUnreachableNanos);
            if (silentNanos < lostAfter.toNanos()) {
                continue;
            }
            if (store.find(runId).map(r -> r.state().terminal()).orElse(false)) {
                held.remove(runId, h); // ended, its holder died before releasing: nothing to declare
                continue;
            }
            // Removed only if it is still the same record: a renewal read meanwhile keeps the run watched.
            if (!held.remove(runId, h) || !declaring.add(runId)) {
                continue;
            }
            declare(runId, h, silentNanos);
            declared++;
        }
        return declared;
    }

    private void declare(String runId, Held h, long silentNanos) {
        String reason = String.format(Locale.ROOT, "lost: no trainer renewed its lease for %.0f s (last holder %s, at step %d) "
                + "and no replica took it over", silentNanos / 1e9, h.worker(), h.step());
        LOG.warnf("run %s %s", runId, reason);
        long at = System.currentTimeMillis();
        Uni.combine().all().unis(
                        events.publish(new RunEvent(runId, RunEvent.Type.LOST, h.step(), reason, WORKER, at)),
                        control.publish(new RunCommand(runId, RunCommand.Type.FAIL, reason, at)))
                .discardItems()
                .subscribe().with(ok -> declaring.remove(runId), failure -> {
                    // Not on Kafka: watch it again, so the next sweep after lost-after retries.
                    LOG.errorf(failure, "run %s: could not publish LOST", runId);
                    held.putIfAbsent(runId, new Held(h.worker(), h.step(), nanos.getAsLong()));
                    declaring.remove(runId);
                });
    }

    /** Runs whose lease is watched (held and not yet released or declared lost). */
    public int watched() {
        return held.size();
    }

    void start(@Observes StartupEvent event) {
        // A tenth of lost-after, between 100 ms and 5 s: a run is declared at most that late, and sweeps stay cheap.
        long periodMs = Math.max(100, Math.min(lostAfter.toMillis() / 10, 5_000));
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "preflight-lost-runs");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                sweep();
            } catch (RuntimeException e) {
                // An uncaught exception would cancel the schedule; the next sweep retries.
                LOG.warn("lost-run sweep failed", e);
            }
        }, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }
}
