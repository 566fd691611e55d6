package dev.preflight.cli.command;

import dev.preflight.ladder.LadderOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The laptop demo: a local stack (in-process Kafka + every service, no Docker), then the recipe's ladder with a small
 * CNN on the built-in "shapes" dataset, report.json. Exit code 0 when no stage failed; the last line printed
 * is the report's path. It is {@code preflight run} with the demo's defaults.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start a local stack (in-process Kafka + all services, no Docker) and climb the recipe's ladder with "
                + "a small CNN on the built-in 'shapes' dataset (or --dataset PATH); write report.json and report.html. "
                + "Exit 0 when no stage failed.")
public class DemoCommand implements Callable<Integer> {

    @Option(names = "--out", description = "Directory for report.json and service logs (default: ${DEFAULT-VALUE}).", defaultValue = StackOptions.DEFAULT_OUT)
    Path out;

    @Option(names = "--home", description = "Preflight checkout with the built services (default: $PREFLIGHT_HOME or the current directory).")
    Path home;

    @Option(names = "--seed", description = "Seed for split, data order and weight init (default: ${DEFAULT-VALUE}).", defaultValue = "" + LadderOptions.DEFAULT_SEED)
    long seed;

    @Option(names = "--model", description = "mlp, cnn or resnet (default: ${DEFAULT-VALUE}).", defaultValue = "cnn")
    String model;

    @Option(names = "--dataset", defaultValue = "shapes", description = "The built-in dataset, or a path: an IDX directory, a .csv "
            + "file or an image folder (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--stages", split = ",", description = "Only these stages (default: all).")
    List<String> stages;

    @Override
    public Integer call() {
        List<String> args = new ArrayList<>(List.of("--dataset", dataset, "--model", model, "--seed", String.valueOf(seed),
                "--out", out.toString(), "--trainers", "2"));
        if (home != null) {
            args.addAll(List.of("--home", home.toString()));
        }
        if (stages != null && !stages.isEmpty()) {
            args.addAll(List.of("--stages", String.join(",", stages)));
        }
        RunLadderCommand run = new RunLadderCommand();
        CommandLine cl = new CommandLine(run);
        cl.parseArgs(args.toArray(String[]::new));
        return run.call();
    }
}
