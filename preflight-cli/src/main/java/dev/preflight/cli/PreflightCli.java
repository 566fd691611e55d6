package dev.preflight.cli;

import dev.preflight.cli.command.AblateCommand;
import dev.preflight.cli.command.BenchCommand;
import dev.preflight.cli.command.DemoCommand;
import dev.preflight.cli.command.DownCommand;
import dev.preflight.cli.command.UpCommand;
import dev.preflight.cli.command.ContinueCommand;
import dev.preflight.cli.command.KillCommand;
import dev.preflight.cli.command.StatusCommand;
import dev.preflight.cli.command.RunLadderCommand;
import dev.preflight.ladder.DataClient;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code preflight}: the recipe for starting a deep-learning project, as verdicts that can fail.
 * Exit codes: 0 no stage failed (with --strict: every stage passed), 1 a stage did not pass, 2 bad usage or data the
 * data-service refused (one line naming file, line and problem), 3 Preflight itself could not run.
 */
@Command(name = "preflight", mixinStandardHelpOptions = true, versionProvider = PreflightCli.Versions.class,
        description = "Make a deep-learning pipeline prove itself early: every recipe stage ends in PASS, WARN or FAIL.",
        subcommands = {UpCommand.class, DownCommand.class, DemoCommand.class, RunLadderCommand.class, AblateCommand.class, StatusCommand.class, KillCommand.class, ContinueCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class, AutoComplete.GenerateCompletion.class})
public class PreflightCli {

    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Let TensorFlow's native INFO logging through (the preflight script filters it otherwise).")
    boolean verbose;

    /**
     * {@code --version}: Preflight's version and those of the Kafka and TensorFlow it runs, as the build recorded them
     * (preflight-version.properties, filled in by Maven from the root POM).
     */
    static final class Versions implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws java.io.IOException {
            java.util.Properties p = new java.util.Properties();
            try (var in = PreflightCli.class.getResourceAsStream("/preflight-version.properties")) {
                if (in == null) {
                    throw new java.io.IOException("preflight-version.properties is missing from the build");
                }
                p.load(in);
            }
            return new String[]{"preflight " + p.getProperty("preflight"),
                    "Apache Kafka " + p.getProperty("kafka") + " (clients and the local broker)",
                    "TensorFlow Java " + p.getProperty("tensorflow") + " (trainer and eval-service)",
                    "Quarkus " + p.getProperty("quarkus"),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }

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
