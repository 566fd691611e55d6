package dev.preflight.wire;

/**
 * Reactive-messaging channel names, shared by the services' code, their application.properties and their tests.
 * Incoming channels are named after the topic they read; each has a dead-letter failure strategy.
 */
public final class Channels {
    public static final String RUNS_IN = "runs-in";
    public static final String RUNS_OUT = "runs-out";
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
    public static final String EXPERIMENTS_IN = "experiments-in";
    public static final String EXPERIMENTS_OUT = "experiments-out";
    public static final String LEASES_IN = "leases-in";

    private Channels() {
    }
}
