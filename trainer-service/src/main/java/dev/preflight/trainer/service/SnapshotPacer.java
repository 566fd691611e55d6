package dev.preflight.trainer.service;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * When a run's weights are worth publishing: snapshots on demand. The eval-service validates one snapshot at a time
 * and reports each one done ({@code EvalReady}); a snapshot published while it is still busy would only replace the
 * one waiting in its mailbox, unvalidated: bytes encoded, sent, stored and fetched for nothing. So a snapshot is due
 *
 * <ul>
 *   <li>always at step 0 (the initial weights: the input-independent baseline) and at the run's last step;</li>
 *   <li>otherwise at a multiple of the run's {@code snapshotEvery} (the most often a user wants them), and only while
 *       fewer than {@code inFlight} published snapshots are still unsettled. A snapshot is settled when the
 *       eval-service reports that step or a later one done, or, as a fallback for an eval-service that is down or
 *       too old to report, when it is {@code ackTimeout} old.</li>
 * </ul>
 *
 * <p>Why two in flight by default: with one, the eval-service idles for a round trip (its report to the trainer, the
 * next snapshot back) after every validation; with two, one waits in its mailbox while the other is validated, so it
 * never idles and still never skips one. {@code inFlight} 0 switches pacing off: every {@code snapshotEvery} steps,
 * as before pacing existed.
 *
 * <p>Not thread-safe: one per training job, on the job's thread.
 */
public final class SnapshotPacer {

    private record Published(int step, long atNanos) {
    }

    private final int every;
    private final int lastStep;
    private final int inFlight;
    private final long ackTimeoutNanos;
    private final IntSupplier lastDone;
    private final LongSupplier nanoClock;
    private final Deque<Published> unsettled = new ArrayDeque<>();

    /**
     * @param every           the run's {@code snapshotEvery} (>= 1)
     * @param lastStep        the run's last step
     * @param inFlight        unsettled snapshots allowed at once; 0 = no pacing
     * @param ackTimeoutNanos after this long an unacknowledged snapshot no longer holds the next one back
     * @param lastDone        the highest step the eval-service reported done for this run (-1: none)
     * @param nanoClock       {@link System#nanoTime()} (tests pass their own)
     */
    public SnapshotPacer(int every, int lastStep, int inFlight, long ackTimeoutNanos, IntSupplier lastDone, LongSupplier nanoClock) {
        if (every < 1 || inFlight < 0 || ackTimeoutNanos <= 0) {
            throw new IllegalArgumentException("snapshotEvery must be >= 1, in-flight >= 0 and the ack timeout positive");
        }
        this.every = every;
        this.lastStep = lastStep;
        this.inFlight = inFlight;
        this.ackTimeoutNanos = ackTimeoutNanos;
        this.lastDone = lastDone;
        this.nanoClock = nanoClock;
    }

    /** Whether to publish the weights after {@code step} (0: the initial weights). */
    public boolean due(int step) {
        if (step == 0 || step == lastStep) {
            return true;
        }
        if (step % every != 0) {
            return false;
        }
        if (inFlight == 0) {
            return true;
        }
        settle();
        return unsettled.size() < inFlight;
    }

    /** Records that the weights after {@code step} were published. */
    public void published(int step) {
        unsettled.addLast(new Published(step, nanoClock.getAsLong()));
    }

    /** Published snapshots not yet reported done (nor timed out). */
    public int unsettled() {
        settle();
        return unsettled.size();
    }

    private void settle() {
        int done = lastDone.getAsInt();
        long now = nanoClock.getAsLong();
        unsettled.removeIf(p -> p.step() <= done || now - p.atNanos() >= ackTimeoutNanos);
    }
}
