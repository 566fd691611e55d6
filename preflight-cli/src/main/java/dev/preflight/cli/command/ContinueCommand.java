package dev.preflight.cli.command;

import dev.preflight.ladder.GatewayClient;
import dev.preflight.ladder.Runs;
import dev.preflight.ladder.RunWatcher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code preflight continue RUN --steps N}: "leave it training". The gateway submits a new run that starts from the
 * finished run's final checkpoint and trains N more steps ({@code POST /api/runs/{id}/continue}); its steps are
 * numbered on from the old run's last one. A refusal (unknown run, still running, not finished, no final checkpoint,
 * N < 1) is one line and exit 2.
 */
@Command(name = "continue", mixinStandardHelpOptions = true, description = {
        "Train a finished run on for more steps, from its final checkpoint, as a new run whose steps continue the old "
                + "run's numbering (same spec, early stopping included; its history starts at the old run's last step + 1).",
        "Exit codes: 0 submitted (with --wait: finished), 1 with --wait: the new run did not finish, 2 refused or bad usage, "
                + "3 the gateway could not be reached."})
public class ContinueCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    StackOptions stack = new StackOptions();

    @Option(names = "--api-key", defaultValue = "${PREFLIGHT_API_KEY}", description = "The gateway's API key (default: "
            + "$PREFLIGHT_API_KEY, else the running stack's).")
    String apiKey;

    @Option(names = "--steps", required = true, description = "How many more steps to train (>= 1).")
    int steps;

    @Option(names = "--wait", description = "Follow the new run to its end and print how it ended.")
    boolean waitForEnd;

    @Option(names = "--timeout", defaultValue = "900", description = "With --wait: seconds the new run may take (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Parameters(index = "0", description = "The finished run to continue.")
    String runId;

    @Override
    public Integer call() {
        if (steps < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--steps must be >= 1, was " + steps);
        }
        GatewayClient gateway = stack.client(apiKey);
        String next;
        try {
            next = gateway.continueRun(runId, steps);
        } catch (Runs.RejectedException e) {
            System.err.println("preflight: cannot continue " + runId + ": " + e.getMessage());
            return CommandLine.ExitCode.USAGE;
        }
        System.out.println("continued " + runId + " as " + next + " (" + steps + " more steps)");
        if (!waitForEnd) {
            return 0;
        }
        RunWatcher.Finished run = new RunWatcher(gateway).await(next, 0, Duration.ofSeconds(timeoutSeconds), p -> { });
        System.out.println(next + " " + run.state() + " at step " + run.lastStep() + ": " + run.message());
        return run.failed() ? 1 : 0;
    }
}
