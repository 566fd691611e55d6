package dev.preflight.wire;

/**
 * A run's lifecycle: STARTED when a trainer takes it, then exactly one of FINISHED, FAILED or KILLED (a
 * {@link RunCommand} stopped it; the message says why). WARNING events may come in between (a model over the
 * early-stage parameter budget, a layer whose weights never move); they do not change the run's state.
 *
 * @param step    last completed step (0 for STARTED)
 * @param message human-readable detail: the failure reason, or the final loss
 * @param worker  which trainer replica ran it
 */
public record RunEvent(String runId, Type type, int step, String message, String worker, long atMs) {

    public enum Type { STARTED, WARNING, FINISHED, FAILED, KILLED }

    public static RunEvent decode(byte[] bytes) {
        RunEvent e = Json.decode(bytes, RunEvent.class);
        if (e.runId() == null || e.type() == null) {
            throw new WireFormatException("RunEvent needs a runId and a type");
        }
        return e;
    }

    public boolean terminal() {
        return type == Type.FINISHED || type == Type.FAILED || type == Type.KILLED;
    }
}
