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
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One run's state and exact history. Written by the consumer threads (one per topic, so the submission, the train
 * steps, the val steps and the lifecycle of one run arrive on up to four threads at once) and read by HTTP and
 * Prometheus scrapes, hence lock-free concurrent structures throughout rather than one lock readers would contend on.
 */
public final class RunRecord {

    /** Model tag of a run first seen through its events, before its spec: the meters' tags cannot change later. */
    public static final String UNKNOWN_MODEL = "unknown";

    private final String runId;
    private final String modelTag;
    private final AtomicReference<RunSubmitted> submission = new AtomicReference<>();
    private final AtomicReference<Status> status = new AtomicReference<>(new Status(RunState.SUBMITTED, null, null));
    // Keyed by step: a redelivered step (at-least-once delivery, or a rebuild after restart) replaces its entry.
    private final ConcurrentSkipListMap<Integer, TrainStep> train = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<Integer, ValStep> val = new ConcurrentSkipListMap<>();
    // The highest step, kept apart so gauges and summaries read it without walking the maps.
    private final AtomicReference<TrainStep> latestTrain = new AtomicReference<>();
    private final AtomicReference<ValStep> latestVal = new AtomicReference<>();
    private final AtomicLong distinctTrainSteps = new AtomicLong();

    private record Status(RunState state, String message, String worker) {
    }

    RunRecord(String runId, RunSpec specAtFirstSight) {
        this.runId = runId;
        this.modelTag = specAtFirstSight == null ? UNKNOWN_MODEL : specAtFirstSight.model().type();
    }

    public String runId() {
        return runId;
    }

    /** The model type as tagged on this run's meters: fixed at first sight, see {@link #UNKNOWN_MODEL}. */
    public String modelTag() {
        return modelTag;
    }

    void submitted(RunSubmitted run) {
        // The gateway sees its own submissions twice (local record, then the consumed copy), and a replica's once.
        submission.compareAndSet(null, run);
    }

    void trainStep(TrainStep step) {
        if (train.put(step.step(), step) == null) {
            distinctTrainSteps.incrementAndGet();
        }
        latestTrain.accumulateAndGet(step, (current, next) -> current == null || next.step() >= current.step() ? next : current);
        advance(RunState.RUNNING, null, null);
    }

    void valStep(ValStep step) {
        val.put(step.step(), step);
        latestVal.accumulateAndGet(step, (current, next) -> current == null || next.step() >= current.step() ? next : current);
        advance(RunState.RUNNING, null, null);
    }

    void event(RunEvent event) {
        if (event.type() == RunEvent.Type.WARNING) {
            // A warning says something about a running run; it does not move its state.
            advance(RunState.RUNNING, null, event.worker());
            return;
        }
        RunState target = switch (event.type()) {
            case WARNING -> RunState.RUNNING;
            case STARTED -> RunState.RUNNING;
            case FINISHED -> RunState.FINISHED;
            case FAILED -> RunState.FAILED;
            case KILLED -> RunState.KILLED;
        };
        advance(target, event.message(), event.worker());
    }

    /**
     * Moves the state forward only: metrics imply the run is at least RUNNING, and the first terminal event is final
     * (a trainer announces exactly one). A repeated event of the current state may still fill in message and worker.
     */
    private void advance(RunState target, String message, String worker) {
        status.updateAndGet(current -> {
            if (current.state().terminal() || target.ordinal() < current.state().ordinal()) {
                return current;
            }
            if (target == current.state() && message == null && worker == null) {
                return current;
            }
            return new Status(target, message != null ? message : current.message(), worker != null ? worker : current.worker());
        });
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
        return new RunDetail(runId, spec(), s.state(),
                t == null ? null : t.step(), t == null ? null : t.loss(),
                v == null ? null : v.step(), v == null ? null : v.valLoss(), v == null ? null : v.valAccuracy(),
                s.message(), s.worker(), submittedAtMs());
    }

    public RunSummary summary() {
        RunSpec spec = spec();
        TrainStep t = latestTrain.get();
        ValStep v = latestVal.get();
        return new RunSummary(runId, state(), spec == null ? null : spec.model().type(), spec == null ? null : spec.steps(),
                t == null ? null : t.step(), t == null ? null : t.loss(),
                v == null ? null : v.valLoss(), v == null ? null : v.valAccuracy(), submittedAtMs());
    }

    /** Both step streams between {@code from} and {@code to} inclusive (null = open end), in step order. */
    public RunHistory history(Integer from, Integer to) {
        return new RunHistory(runId, new ArrayList<>(range(train, from, to).values()), new ArrayList<>(range(val, from, to).values()));
    }

    /** One metric between {@code from} and {@code to} inclusive (null = open end), in step order. */
    public MetricSeries series(Metric metric, Integer from, Integer to) {
        List<MetricSeries.Point> points = new ArrayList<>();
        if (metric.fromTrain()) {
            range(train, from, to).values().forEach(s -> points.add(new MetricSeries.Point(s.step(), metric.of(s))));
        } else {
            range(val, from, to).values().forEach(s -> points.add(new MetricSeries.Point(s.step(), metric.of(s))));
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
