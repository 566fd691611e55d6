package dev.preflight.gateway.model;

/**
 * Where a run is in its life. The order matters: a run only moves forward, because its events arrive on several
 * topics whose relative order Kafka does not guarantee (a FINISHED may be read before the last train step).
 */
public enum RunState {
    SUBMITTED, RUNNING, FINISHED, FAILED, KILLED,
    /** Its trainer vanished and no replica took it over within {@code preflight.gateway.lost-after} (LostRuns). */
    LOST;

    public boolean terminal() {
        return this == FINISHED || this == FAILED || this == KILLED || this == LOST;
    }
}
