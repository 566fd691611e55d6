package dev.preflight.wire;

/** A run announced on {@link Topics#RUNS}: consumed by data-service (to stream), trainers (work queue), gateway. */
public record RunSubmitted(String runId, RunSpec spec, long submittedAtMs) {

    public static RunSubmitted decode(byte[] bytes) {
        RunSubmitted run = Json.decode(bytes, RunSubmitted.class);
        if (run.runId() == null || !RunIds.isValid(run.runId())) {
            throw new WireFormatException("RunSubmitted.runId is missing or malformed: " + run.runId());
        }
        if (run.spec() == null) {
            throw new WireFormatException("RunSubmitted.spec is required");
        }
        run.spec().requireValid();
        return run;
    }
}
