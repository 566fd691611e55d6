package dev.preflight.cli.stack;

/** The four Preflight services as the local stack launches them: module directory and HTTP port. */
public enum Service {
    DATA("data-service"),
    TRAINER("trainer-service"),
    EVAL("eval-service"),
    GATEWAY("metrics-gateway");

    public final String module;

    Service(String module) {
        this.module = module;
    }
}
