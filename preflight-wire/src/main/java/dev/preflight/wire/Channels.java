package dev.preflight.wire;

/**
 * Reactive-messaging channel names, shared by the services' code, their application.properties and their tests.
 * Incoming channels are named after the topic they read; each has a dead-letter failure strategy.
 */
public final class Channels {
    public static final String RUNS_IN = "runs-in";
    public static final String RUNS_OUT = "runs-out";
    /** The data-service's second reader of preflight.runs: every replica remembers every run (for run previews). */
    public static final String RUNS_SEEN_IN = "runs-seen-in";
    public static final String TRAIN_METRICS_IN = "train-metrics-in";
    public static final String TRAIN_METRICS_OUT = "train-metrics-out";
    public static final String VAL_METRICS_IN = "val-metrics-in";
    public static final String VAL_METRICS_OUT = "val-metrics-out";
    public static final String RUN_EVENTS_IN = "run-events-in";
    public static final String RUN_EVENTS_OUT = "run-events-out";
    public static final String CONTROL_IN = "control-in";
    public static final String CONTROL_OUT = "control-out";
    public static final String SNAPSHOTS_IN = "snapshots-in";
    public static final String SNAPSHOTS_OUT = "snapshots-out";
    /** The eval-service's {@link EvalReady} signals to the trainers (they read the topic with plain consumers). */
    public static final String EVAL_READY_OUT = "eval-ready-out";
    public static final String DATASETS_IN = "datasets-in";
    public static final String DATASETS_OUT = "datasets-out";
    public static final String EXPERIMENTS_IN = "experiments-in";
    public static final String EXPERIMENTS_OUT = "experiments-out";
    public static final String LEASES_IN = "leases-in";
    public static final String SAMPLE_PREDICTIONS_IN = "sample-predictions-in";
    public static final String SAMPLE_PREDICTIONS_OUT = "sample-predictions-out";

    private Channels() {
    }
}
