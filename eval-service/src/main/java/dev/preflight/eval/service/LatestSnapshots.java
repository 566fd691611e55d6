package dev.preflight.eval.service;

import dev.preflight.wire.Snapshot;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-slot mailbox per run. When the trainer publishes snapshots faster than they can be evaluated, a newer one
 * replaces the waiting one: validation always runs on the freshest weights and never falls behind training. The
 * share of steps that did get a val point is the run's coverage.
 *
 * <p>Baseline snapshots ({@link Evaluator#isBaselineStep}: step 0 and the run's last step) bypass the slot and are
 * queued in arrival order, never replaced and never replacing: the input-independent baseline and the final
 * validation must exist for every run. At most two per run, so the queue stays bounded by the number of runs.
 */
@ApplicationScoped
public class LatestSnapshots {

    /** A turn in the queue: an ordinary run's slot (snapshot null, look it up) or a baseline snapshot itself. */
    private record Ticket(String runId, Snapshot baseline) {
    }

    private final ConcurrentHashMap<String, Snapshot> pending = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Ticket> ready = new LinkedBlockingQueue<>();
    private final AtomicLong superseded = new AtomicLong();

    public void offer(Snapshot snapshot) {
        if (Evaluator.isBaselineStep(snapshot)) {
            ready.add(new Ticket(snapshot.runId(), snapshot));
            return;
        }
        Snapshot before = pending.put(snapshot.runId(), snapshot);
        if (before == null) {
            ready.add(new Ticket(snapshot.runId(), null));
        } else if (before.step() > snapshot.step()) {
            // A redelivered older snapshot must not replace a newer one.
            pending.merge(snapshot.runId(), before, (a, b) -> a.step() >= b.step() ? a : b);
        } else {
            superseded.incrementAndGet();
        }
    }

    /** The next snapshot to evaluate, or null if none arrived within the timeout. */
    public Snapshot take(long timeout, TimeUnit unit) throws InterruptedException {
        while (true) {
            Ticket t = ready.poll(timeout, unit);
            if (t == null) {
                return null;
            }
            if (t.baseline() != null) {
                return t.baseline();
            }
            Snapshot s = pending.remove(t.runId());
            if (s != null) {
                return s;
            }
        }
    }

    /** Ordinary snapshots replaced by a newer one before they were evaluated. */
    public long superseded() {
        return superseded.get();
    }
}
