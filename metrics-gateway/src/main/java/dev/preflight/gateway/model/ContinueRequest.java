package dev.preflight.gateway.model;

/**
 * Body of {@code POST /api/runs/{id}/continue}: train a finished run on for {@code steps} more steps, from its final
 * checkpoint, as a new run that continues it ({@code RunSpec.continueFrom}).
 *
 * @param steps how many more steps (>= 1; the new run's steps, source's last step + this, at most {@code RunSpec.MAX_STEPS})
 */
public record ContinueRequest(Integer steps) {
}
