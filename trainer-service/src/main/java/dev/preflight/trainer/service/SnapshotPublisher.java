package dev.preflight.trainer.service;

import dev.preflight.wire.Snapshot;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * Encodes and sends a job's weight snapshots on a thread of their own, so the training thread only reads the weights
 * out of TensorFlow (the model is not thread-safe) and goes on with the next step while ~100k floats are encoded and
 * handed to Kafka. At most one snapshot is in the works: publishing the next one first waits for the previous one,
 * so a slow broker slows training down instead of piling snapshots up in memory. {@link #drain} before anything that
 * must follow the snapshots (a lifecycle event) and on close.
 *
 * <p>Not thread-safe: one per training job, called from the job's thread.
 */
final class SnapshotPublisher implements AutoCloseable {

    private final ToIntFunction<Snapshot> send;
    private final ExecutorService thread;
    private final AtomicLong published = new AtomicLong();
    private Future<?> pending;

    /** @param send encodes and sends one snapshot, returns its bytes ({@code TrainerProducer.snapshot}) */
    SnapshotPublisher(ToIntFunction<Snapshot> send, String runId) {
        this.send = send;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "snapshot-publisher-" + runId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Waits for the previous snapshot, then starts this one. */
    void publish(Snapshot snapshot) {
        drain();
        pending = thread.submit(() -> published.addAndGet(send.applyAsInt(snapshot)));
    }

    /** Waits until the snapshot in the works (if any) is handed to the producer; rethrows what went wrong there. */
    void drain() {
        if (pending == null) {
            return;
        }
        try {
            pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for a snapshot to be published", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pending = null;
        }
    }

    /** Bytes of the snapshots handed to the producer since the last call. */
    long takePublishedBytes() {
        return published.getAndSet(0);
    }

    @Override
    public void close() {
        try {
            drain();
        } finally {
            thread.shutdown();
        }
    }
}
