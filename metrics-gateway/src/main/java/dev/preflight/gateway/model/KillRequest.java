package dev.preflight.gateway.model;

/** Optional body of {@code POST /api/runs/{id}/kill}: why, in words a person reads later. */
public record KillRequest(String reason) {
}
