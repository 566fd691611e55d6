package dev.preflight.gateway.service;

import dev.preflight.gateway.model.Metric;
import dev.preflight.gateway.model.MetricSeries;
import dev.preflight.gateway.model.RunDetail;
import dev.preflight.gateway.model.RunHistory;
import dev.preflight.gateway.model.RunState;
import dev.preflight.gateway.model.RunSummary;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.SamplePredictions;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * One run's state and exact history. Written by the consumer threads (one per topic, so the submission, the train
 * steps, the val steps and the lifecycle of one run arrive on up to four threads at once) and read by HTTP and
 * Prometheus scrapes, hence lock-free concurrent structures throughout rather than one lock readers would contend on.
 */
public final class RunRecord {

    /** Model tag of a run first seen through its events, before its spec: the meters' tags cannot change later. */
    public static final String UNKNOWN_MODEL = "unknown";
    /** Experiment or stage tag of a run whose spec has none (or is not known at first sight). */
    public static final String NO_LABEL = "none";

    private final String runId;
    private final String modelTag;
    private final String experimentTag;
    private final String stageTag;
    private final AtomicReference<RunSubmitted> submission = new AtomicReference<>();
    private final AtomicReference<Status> status = new AtomicReference<>(new Status(RunState.SUBMITTED, null, null));
    // Keyed by step: a redelivered step (at-least-once delivery, or a rebuild after restart) replaces its entry.
    private final ConcurrentSkipListMap<Integer, TrainStep> train = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<Integer, ValStep> val = new ConcurrentSkipListMap<>();
    // The highest step, kept apart so gauges and summaries read it without walking the maps.
    private final AtomicReference<TrainStep> latestTrain = new AtomicReference<>();
    private final AtomicReference<ValStep> latestVal = new AtomicReference<>();
    private final AtomicLong distinctTrainSteps = new AtomicLong();
    // Whole-run sums over distinct steps (a redelivery replaces its step's share), for the input-bound ratio.
    private final DoubleAdder dataWaitSum = new DoubleAdder();
    private final DoubleAdder stepSecondsSum = new DoubleAdder();
    // When the run reached its terminal state (the event's own time when it carries one), 0 while it is live.
    private final AtomicLong terminalAtMs = new AtomicLong();
    // The FINISHED event's detail (final checkpoint, early stopping), once the run finished.
    private final AtomicReference<RunEvent.Finish> finish = new AtomicReference<>();

    private record Status(RunState state, String message, String worker) {
    }

    // Per split, the chunks of the latest final weights' predictions, keyed by their first position (a redelivery replaces).
    private final java.util.concurrent.ConcurrentHashMap<String, ConcurrentSkipListMap<Integer, SamplePredictions>> predictions =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Keeps one chunk of per-sample predictions. A chunk of a later step (the run was resubmitted and ran on) replaces
     * the split's earlier chunks; one of an earlier step (a redelivery from before) is dropped; an error replaces all.
     */
    public void samplePredictions(SamplePredictions chunk) {
        predictions.compute(chunk.split(), (split, chunks) -> {
            ConcurrentSkipListMap<Integer, SamplePredictions> kept = chunks == null ? new ConcurrentSkipListMap<>() : chunks;
            SamplePredictions any = kept.isEmpty() ? null : kept.firstEntry().getValue();
            if (any != null && any.step() > chunk.step()) {
                return kept;
            }
            if (any != null && (any.step() < chunk.step() || chunk.error() != null || any.error() != null)) {
                kept = new ConcurrentSkipListMap<>();
            }
            kept.put(chunk.from(), chunk);
            return kept;
        });
    }

    /**
     * The split's predictions joined into one record (from 0, every sample in split order), or the record saying why
     * there are none; empty while chunks are missing (or none came).
     */
    public java.util.Optional<SamplePredictions> samplePredictions(String split) {
        ConcurrentSkipListMap<Integer, SamplePredictions> chunks = predictions.get(split);
        if (chunks == null || chunks.isEmpty()) {
            return java.util.Optional.empty();
        }
        List<SamplePredictions> parts = new ArrayList<>(chunks.values());
        SamplePredictions first = parts.get(0);
        if (first.error() != null) {
            return java.util.Optional.of(first);
        }
        int n = parts.stream().mapToInt(SamplePredictions::size).sum();
        if (n != first.total()) {
            return java.util.Optional.empty();
        }
        int[] indices = new int[n];
        int[] labels = new int[n];
        float[][] probabilities = new float[n][];
        for (SamplePredictions p : parts) {
            if (p.from() + p.size() > n) {
                return java.util.Optional.empty();
            }
            System.arraycopy(p.indices(), 0, indices, p.from(), p.size());
            System.arraycopy(p.labels(), 0, labels, p.from(), p.size());
            System.arraycopy(p.probabilities(), 0, probabilities, p.from(), p.size());
        }
        return java.util.Optional.of(SamplePredictions.of(runId, first.step(), split, n, 0, indices, labels, probabilities));
    }

    /** Why {@link #samplePredictions(String)} is empty, for people: not asked for, not yet, or chunks missing. */
    public String samplePredictionsMissing(String split) {
        RunSpec spec = spec();
        if (spec != null && !spec.predictionSplits().contains(split)) {
            return "run '" + runId + "' did not ask for " + split + " predictions (its spec's predictions: " + spec.predictionSplits() + ")";
        }
        ConcurrentSkipListMap<Integer, SamplePredictions> chunks = predictions.get(split);
        if (chunks == null || chunks.isEmpty()) {
            return "no " + split + " predictions of run '" + runId + "' yet: the eval-service sends them after the run's last validation";
        }
        int n = chunks.values().stream().mapToInt(SamplePredictions::size).sum();
        return n + " of " + chunks.firstEntry().getValue().total() + " " + split + " predictions of run '" + runId + "' arrived so far";
    }

    RunRecord(String runId, RunSpec specAtFirstSight) {
        this.runId = runId;
        this.modelTag = specAtFirstSight == null ? UNKNOWN_MODEL : specAtFirstSight.model().type();
        this.experimentTag = specAtFirstSight == null || specAtFirstSight.experiment() == null ? NO_LABEL : specAtFirstSight.experiment();
        this.stageTag = specAtFirstSight == null || specAtFirstSight.stage() == null ? NO_LABEL : specAtFirstSight.stage();
    }

    public String runId() {
        return runId;
    }

    /** The model type as tagged on this run's meters: fixed at first sight, see {@link #UNKNOWN_MODEL}. */
    public String modelTag() {
        return modelTag;
    }

    /** The experiment label as tagged on this run's meters, {@link #NO_LABEL} without one; fixed at first sight. */
    public String experimentTag() {
        return experimentTag;
    }

    /** The recipe stage as tagged on this run's meters, {@link #NO_LABEL} without one; fixed at first sight. */
    public String stageTag() {
        return stageTag;
    }

    void submitted(RunSubmitted run) {
        // The gateway sees its own submissions twice (local record, then the consumed copy), and a replica's once.
        submission.compareAndSet(null, run);
    }

    /** @return whether this step is new to the run (false for a redelivery, which replaced its entry) */
    boolean trainStep(TrainStep step) {
        TrainStep previous = train.put(step.step(), step);
        if (previous == null) {
            distinctTrainSteps.incrementAndGet();
        } else {
            dataWaitSum.add(-previous.dataWaitSeconds());
            stepSecondsSum.add(-previous.stepSeconds());
        }
        dataWaitSum.add(step.dataWaitSeconds());
        stepSecondsSum.add(step.stepSeconds());
        latestTrain.accumulateAndGet(step, (current, next) -> current == null || next.step() >= current.step() ? next : current);
        advance(RunState.RUNNING, null, null, 0L);
        return previous == null;
    }

    /** @return whether this step is new to the run (false for a redelivery, which replaced its entry) */
    boolean valStep(ValStep step) {
        boolean fresh = val.put(step.step(), step) == null;
        latestVal.accumulateAndGet(step, (current, next) -> current == null || next.step() >= current.step() ? next : current);
        advance(RunState.RUNNING, null, null, 0L);
        return fresh;
    }

    void event(RunEvent event) {
        if (event.type() == RunEvent.Type.WARNING) {
            // A warning says something about a running run; it does not move its state.
            advance(RunState.RUNNING, null, event.worker(), 0L);
            return;
        }
        RunState target = switch (event.type()) {
            case WARNING -> RunState.RUNNING;
            case STARTED -> RunState.RUNNING;
            // Another replica took the run over from its checkpoint: still running, now on the new worker.
            case RESUMED -> RunState.RUNNING;
            case FINISHED -> RunState.FINISHED;
            case FAILED -> RunState.FAILED;
            case KILLED -> RunState.KILLED;
            case LOST -> RunState.LOST;
        };
        if (event.type() == RunEvent.Type.FINISHED && event.finish() != null && !state().terminal()) {
            finish.compareAndSet(null, event.finish());
        }
        advance(target, event.message(), event.worker(), event.atMs());
    }

    /** The FINISHED event's detail: final checkpoint and early stopping; null unless finished by a trainer that sends it. */
    public RunEvent.Finish finish() {
        return finish.get();
    }

    /**
     * Moves the state forward only: metrics imply the run is at least RUNNING, and the first terminal event is final
     * (a trainer announces exactly one). A repeated event of the current state may still fill in message and worker.
     */
    private void advance(RunState target, String message, String worker, long atMs) {
        Status before = status.getAndUpdate(current -> {
            if (current.state().terminal() || target.ordinal() < current.state().ordinal()) {
                return current;
            }
            if (target == current.state() && message == null && worker == null) {
                return current;
            }
            return new Status(target, message != null ? message : current.message(), worker != null ? worker : current.worker());
        });
        if (!before.state().terminal() && target.terminal()) {
            // The trainer's clock when the event carries it: a run replayed from Kafka after a restart that ended
            // days ago then retires at once instead of holding its meters for another retention period.
            terminalAtMs.compareAndSet(0L, atMs > 0 ? atMs : System.currentTimeMillis());
        }
    }

    /** Epoch millis at which the run became FINISHED/FAILED/KILLED/LOST, 0 while it is not terminal. */
    public long terminalAtMs() {
        return terminalAtMs.get();
    }

    /**
     * Share of the run's wall time spent waiting for data, over every distinct step so far: near 1 the trainer
     * starves (input-bound), near 0 the input pipeline keeps up. NaN before the first step with a non-zero time.
     */
    public double inputBoundRatio() {
        double total = stepSecondsSum.sum();
        return total > 0 ? dataWaitSum.sum() / total : Double.NaN;
    }

    public RunState state() {
        return status.get().state();
    }

    public RunSpec spec() {
        RunSubmitted run = submission.get();
        return run == null ? null : run.spec();
    }

    public Long submittedAtMs() {
        RunSubmitted run = submission.get();
        return run == null ? null : run.submittedAtMs();
    }

    /** Distinct train steps seen: what {@code preflight_train_steps_total} counts (a redelivery is not a new step). */
    public long distinctTrainSteps() {
        return distinctTrainSteps.get();
    }

    /** The metric at the highest step seen, NaN before the first one (Prometheus' convention for "no value"). */
    public double latest(Metric metric) {
        if (metric.fromTrain()) {
            TrainStep step = latestTrain.get();
            return step == null ? Double.NaN : metric.of(step);
        }
        ValStep step = latestVal.get();
        return step == null ? Double.NaN : metric.of(step);
    }

    /** The highest train step seen, NaN before the first one. */
    public double latestTrainStep() {
        TrainStep step = latestTrain.get();
        return step == null ? Double.NaN : step.step();
    }

    public RunDetail detail() {
        Status s = status.get();
        TrainStep t = latestTrain.get();
        ValStep v = latestVal.get();
        RunEvent.Finish f = finish.get();
        return new RunDetail(runId, spec(), s.state(),
                t == null ? null : t.step(), t == null ? null : t.loss(),
                v == null ? null : v.step(), v == null ? null : v.valLoss(), v == null ? null : v.valAccuracy(),
                s.message(), s.worker(), submittedAtMs(), f == null ? null : f.checkpointStep(),
                f == null ? null : f.stoppedEarlyAt(), f == null ? null : f.bestStep(), f == null ? null : f.bestValLoss());
    }

    public RunSummary summary() {
        RunSpec spec = spec();
        TrainStep t = latestTrain.get();
        ValStep v = latestVal.get();
        return new RunSummary(runId, state(), spec == null ? null : spec.model().type(), spec == null ? null : spec.steps(),
                t == null ? null : t.step(), t == null ? null : t.loss(),
                v == null ? null : v.valLoss(), v == null ? null : v.valAccuracy(), submittedAtMs(),
                spec == null ? null : spec.experiment(), spec == null ? null : spec.stage());
    }

    /** Both step streams between {@code from} and {@code to} inclusive (null = open end), in step order. */
    public RunHistory history(Integer from, Integer to) {
        return new RunHistory(runId, new ArrayList<>(range(train, from, to).values()), new ArrayList<>(range(val, from, to).values()));
    }

    /** One metric between {@code from} and {@code to} inclusive (null = open end), in step order. */
    public MetricSeries series(Metric metric, Integer from, Integer to) {
        List<MetricSeries.Point> points = new ArrayList<>();
        if (metric.fromTrain()) {
            range(train, from, to).values().stream().filter(metric::definedFor)
                    .forEach(s -> points.add(new MetricSeries.Point(s.step(), metric.of(s))));
        } else {
            range(val, from, to).values().stream().filter(metric::definedFor)
                    .forEach(s -> points.add(new MetricSeries.Point(s.step(), metric.of(s))));
        }
        return new MetricSeries(runId, metric.id(), points);
    }

    private static <V> NavigableMap<Integer, V> range(ConcurrentSkipListMap<Integer, V> steps, Integer from, Integer to) {
        int lo = from == null ? Integer.MIN_VALUE : from;
        int hi = to == null ? Integer.MAX_VALUE : to;
        if (lo > hi) {
            throw new IllegalArgumentException("from (" + lo + ") must not be after to (" + hi + ")");
        }
        return steps.subMap(lo, true, hi, true);
    }
}
