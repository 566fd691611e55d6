package dev.preflight.ladder;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Follows a run until it is over and its history is complete: every train step the trainer
 * reported, and the validation of the final weights (or a grace period for it).
 */
public final class RunWatcher {

    /** Progress as the user sees it. */
    public record Progress(String runId, String state, int step, int steps, double trainLoss, double valLoss) {
    }

    /**
     * A finished (or failed) run with its exact history.
     *
     * @param stoppedEarlyAt the step early stopping ended it at; null when it trained every step (or has no early stopping)
     * @param bestStep       with early stopping: the validated step whose weights it exported; null otherwise
     */
    public record Finished(String runId, String state, String message, int lastStep, Runs.History history,
                           Integer stoppedEarlyAt, Integer bestStep) {
        public Finished(String runId, String state, String message, int lastStep, Runs.History history) {
            this(runId, state, message, lastStep, history, null, null);
        }

        public boolean failed() {
            return !"FINISHED".equals(state);
        }

        public double lastValLoss() {
            return history.val().isEmpty() ? Double.NaN : history.val().get(history.val().size() - 1).valLoss();
        }
    }

    private static final Duration POLL = Duration.ofMillis(250);
    /** The final snapshot is validated after the run ends; wait this long for its val point. */
    private static final Duration FINAL_VAL_GRACE = Duration.ofSeconds(20);

    private final Runs runs;

    public RunWatcher(Runs runs) {
        this.runs = runs;
    }

    public Finished await(String runId, int steps, Duration timeout, Consumer<Progress> progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Runs.Status run = runs.status(runId);
            progress.accept(new Progress(runId, run.state(), run.step(), steps, run.trainLoss(), run.valLoss()));
            if (!run.active()) {
                return complete(run, deadline);
            }
            pause(POLL);
        }
        throw new IllegalStateException(runId + " did not finish within " + timeout.toSeconds() + " s");
    }

    /** Metrics and lifecycle travel on different topics: wait until every reported step is in the history. */
    private Finished complete(Runs.Status run, long deadline) {
        String runId = run.runId();
        String state = run.state();
        int lastStep = run.step();
        long valDeadline = System.nanoTime() + FINAL_VAL_GRACE.toNanos();
        while (true) {
            Runs.History h = runs.history(runId);
            // A continued run's history starts after its source's last step; steps of one run arrive in order.
            int first = h.train().isEmpty() ? 1 : h.train().get(0).step();
            boolean trainComplete = h.train().size() >= lastStep - first + 1;
            boolean finalValIn = !"FINISHED".equals(state) || h.val().stream().anyMatch(v -> v.step() == lastStep);
            long now = System.nanoTime();
            if ((trainComplete && (finalValIn || now > valDeadline)) || now > deadline) {
                return new Finished(runId, state, run.message(), lastStep, h, run.stoppedEarlyAt(), run.bestStep());
            }
            pause(POLL);
        }
    }

    /** The ladder's one way of waiting between polls of the gateway (an interrupt ends the ladder). */
    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
