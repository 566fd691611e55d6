package dev.preflight.cli;

import dev.preflight.cli.command.AblateCommand;
import dev.preflight.cli.command.BenchCommand;
import dev.preflight.cli.command.DemoCommand;
import dev.preflight.cli.command.KillCommand;
import dev.preflight.cli.command.StatusCommand;
import dev.preflight.cli.command.RunLadderCommand;
import dev.preflight.ladder.DataClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code preflight}: the recipe for starting a deep-learning project, as verdicts that can fail.
 * Exit codes: 0 no stage failed (with --strict: every stage passed), 1 a stage did not pass, 2 bad usage or data the
 * data-service refused (one line naming file, line and problem), 3 Preflight itself could not run.
 */
@Command(name = "preflight", mixinStandardHelpOptions = true, version = "preflight 0.1.0",
        description = "Make a deep-learning pipeline prove itself early: every recipe stage ends in PASS, WARN or FAIL.",
        subcommands = {DemoCommand.class, RunLadderCommand.class, AblateCommand.class, StatusCommand.class, KillCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public class PreflightCli {

    public static final int INFRASTRUCTURE_ERROR = 3;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return new CommandLine(new PreflightCli())
                // Bad usage: one line naming the problem, exit 2 (the full usage is one --help away).
                .setParameterExceptionHandler((e, given) -> {
                    e.getCommandLine().getErr().println("preflight: " + e.getMessage() + " (see "
                            + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
                    return CommandLine.ExitCode.USAGE;
                })
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    // One line that names the problem; the details are in the service logs.
                    cmd.getErr().println("preflight: " + e.getMessage());
                    // Data the data-service refused is the user's input (exit 2), not Preflight failing to run (3).
                    return e instanceof DataClient.DatasetRejectedException ? CommandLine.ExitCode.USAGE : INFRASTRUCTURE_ERROR;
                })
                .execute(args);
    }
}
