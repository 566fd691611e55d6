package dev.preflight.gateway.model;

/**
 * The answer to an accepted kill: the command is on Kafka. The run's state stays as it is until the trainer confirms
 * with a KILLED event, which {@code GET /api/runs/{id}} then shows.
 */
public record KillResponse(String runId, RunState state, String reason) {
}
