package dev.preflight.gateway.model;

/**
 * Where an experiment is. RUNNING: a gateway is climbing its ladder. DONE: every stage ran, or one FAILed (the report
 * says which). ERROR: the ladder could not go on (a run could not be submitted, the data-service did not answer).
 * INTERRUPTED: the gateway climbing it stopped (crash, restart, redeploy) during the stage named in the experiment;
 * the stages judged before are kept, the ladder does not continue by itself.
 */
public enum ExperimentState {
    RUNNING, DONE, ERROR, INTERRUPTED
}
