package dev.preflight.wire;


import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The early-stopping rule of one run ({@link EarlyStopping}) and the weights it would export. Karpathy, "Regularize":
 * "early stopping. Stop training based on your measured validation loss to catch your model just as it's about to
 * overfit".
 *
 * <p>The trainer hands it the weights of every snapshot it publishes ({@link #published}) and, as the eval-service
 * reports them, each validated step's val loss ({@link #validated}, in step order). A val loss belongs to the weights
 * of the snapshot of its step — the weights after that many train steps — not to whatever step the trainer has reached
 * by the time the report arrives; so the weights are kept by step until their report comes.
 *
 * <ul>
 *   <li><b>Smoothed val loss</b> of a validated step: the mean of the last {@code window} finite val losses up to and
 *       including it (fewer while fewer were validated).</li>
 *   <li><b>Improvement</b>: a smoothed val loss below the best so far by more than {@code minDelta}; the step becomes
 *       the best step and its weights the ones to export.</li>
 *   <li><b>Stop</b> once {@code patience} validated steps in a row brought no improvement.</li>
 *   <li><b>NaN or infinite val loss</b>: counts as a validated step without improvement; it is left out of the
 *       window (one bad batch must not poison the mean) and never becomes the best.</li>
 * </ul>
 *
 * <p>Not thread-safe: one per training job, on its thread.
 *
 * @param <W> the weights (the trainer's list of named tensors; tests use anything)
 */
public final class EarlyStopper<W> {

    private final int patience;
    private final double minDelta;
    private final int window;
    private final Deque<Double> recent = new ArrayDeque<>();
    /** Weights of published snapshots whose validation has not been reported yet, by step. */
    private final TreeMap<Integer, W> pending = new TreeMap<>();
    private int bestStep = -1;
    private double bestSmoothed = Double.POSITIVE_INFINITY;
    private W bestWeights;
    private int sinceBest;
    private int lastValidated = -1;
    private int stopAt = -1;

    public EarlyStopper(EarlyStopping options) {
        this.patience = options.patienceOrDefault();
        this.minDelta = options.minDeltaOrDefault();
        this.window = options.windowOrDefault();
    }

    /** The weights after train step {@code step} were sent for validation (step 0, the initial weights, is not judged). */
    public void published(int step, W weights) {
        if (step > 0) {
            pending.put(step, weights);
        }
    }

    /**
     * The eval-service's val loss of step {@code step}'s weights (NaN when the evaluation produced none). A report of
     * an earlier or the same step as the last one (a redelivery) or of step 0 is ignored, and so are the kept weights of
     * earlier steps it settles (the eval-service's mailbox replaced them unvalidated).
     *
     * @return whether the rule says stop (it keeps saying so once it did)
     */
    public boolean validated(int step, double valLoss) {
        if (step <= lastValidated || step <= 0) {
            return stopped();
        }
        lastValidated = step;
        W weights = pending.remove(step);
        pending.headMap(step).clear();
        if (Double.isFinite(valLoss)) {
            recent.addLast(valLoss);
            if (recent.size() > window) {
                recent.removeFirst();
            }
            double smoothed = mean();
            if (smoothed < bestSmoothed - minDelta) {
                bestSmoothed = smoothed;
                bestStep = step;
                bestWeights = weights;
                sinceBest = 0;
                return stopped();
            }
        }
        sinceBest++;
        if (sinceBest >= patience && stopAt < 0) {
            stopAt = step;
        }
        return stopped();
    }

    /**
     * The eval-service could not evaluate step {@code step} (no val loss): the rule does not count it, and the weights
     * kept for it and earlier steps are dropped.
     */
    public void unvalidated(int step) {
        pending.headMap(step, true).clear();
    }

    private double mean() {
        double sum = 0;
        for (Iterator<Double> it = recent.iterator(); it.hasNext(); ) {
            sum += it.next();
        }
        return sum / recent.size();
    }

    public boolean stopped() {
        return stopAt >= 0;
    }

    /** The validated step at which the rule said stop; -1 while it has not. */
    public int stopValidatedStep() {
        return stopAt;
    }

    /** The validated step with the lowest smoothed val loss so far; -1 before the first finite one. */
    public int bestStep() {
        return bestStep;
    }

    /** The smoothed val loss at {@link #bestStep()}; +inf before the first finite one. */
    public double bestSmoothedLoss() {
        return bestSmoothed;
    }

    /** The weights of {@link #bestStep()}; null before the first finite val loss (or when they were not kept). */
    public W bestWeights() {
        return bestWeights;
    }

    /** Published snapshots still waiting for their report. */
    public Map<Integer, W> pending() {
        return java.util.Collections.unmodifiableMap(pending);
    }
}
