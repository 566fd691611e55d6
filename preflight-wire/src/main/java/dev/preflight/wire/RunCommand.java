package dev.preflight.wire;

/**
 * An order to a running run, on {@link Topics#CONTROL}. KILL: the trainer running it stops within a second and
 * ends the run with a {@link RunEvent.Type#KILLED} event carrying {@code reason}. FAIL: another service refused the run
 * (the data-service cannot stream it: unknown dataset, a subset larger than the train split); the trainer holding it,
 * or the one that takes it later, stops at once instead of waiting for batches that will never come, and ends it
 * {@link RunEvent.Type#FAILED} with {@code reason}. A trainer that does not know FAIL ignores it and fails the run at
 * its batch timeout, as before.
 *
 * @param reason why, in words a person reads later ("ASHA: val loss in the bottom half at step 200", "user")
 */
public record RunCommand(String runId, Type type, String reason, long atMs) {

    public enum Type { KILL, FAIL }

    public static RunCommand decode(byte[] bytes) {
        RunCommand c = Json.decode(bytes, RunCommand.class);
        if (c.runId() == null || !RunIds.isValid(c.runId()) || c.type() == null) {
            throw new WireFormatException("RunCommand needs a valid runId and a type");
        }
        return c;
    }
}
