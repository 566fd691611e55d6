package dev.preflight.cli.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code preflight kill RUN}: stop a run; its trainer ends it with KILLED and the reason. */
@Command(name = "kill", mixinStandardHelpOptions = true, description = "Kill a run (its trainer stops within a second and records why).")
public class KillCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    StackOptions stack = new StackOptions();

    @Option(names = "--api-key", defaultValue = "${PREFLIGHT_API_KEY}", description = "The gateway's API key (default: "
            + "$PREFLIGHT_API_KEY, else the running stack's).")
    String apiKey;

    @Option(names = "--reason", defaultValue = "killed from the command line", description = "Recorded with the KILLED event.")
    String reason;

    @Parameters(index = "0", description = "The run id.")
    String runId;

    @Override
    public Integer call() {
        if (stack.client(apiKey).kill(runId, reason)) {
            System.out.println("kill sent to " + runId);
            return 0;
        }
        System.err.println("preflight: " + runId + " has already ended");
        return 1;
    }
}
