package dev.preflight.gateway.model;

/** The answer to an accepted submission: the id under which the run can be followed. */
public record SubmitResponse(String runId, RunState state) {
}
