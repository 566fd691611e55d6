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
 */
@ApplicationScoped
public class LatestSnapshots {

    private final ConcurrentHashMap<String, Snapshot> pending = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<String> ready = new LinkedBlockingQueue<>();
    private final AtomicLong superseded = new AtomicLong();

    public void offer(Snapshot snapshot) {
        Snapshot before = pending.put(snapshot.runId(), snapshot);
        if (before == null) {
            ready.add(snapshot.runId());
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
            String runId = ready.poll(timeout, unit);
            if (runId == null) {
                return null;
            }
            Snapshot s = pending.remove(runId);
            if (s != null) {
                return s;
            }
        }
    }

    public long superseded() {
        return superseded.get();
    }
}
