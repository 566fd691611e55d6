package dev.preflight.cli.command;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code preflight ablate SPACE.json}: only the ablation stage, over a declared search space. */
@Command(name = "ablate", mixinStandardHelpOptions = true,
        description = "Random search over a search-space file, in parallel on the trainer replicas, with ASHA and sanity kills, "
                + "then seed bands for the best configurations. Same options as 'run'.")
public class AblateCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "Search-space JSON: {trials, steps, rungs, eta, warmup, top, seeds, parameters: {name: "
            + "{choice|uniform|logUniform}}}")
    Path space;

    @Parameters(index = "1..*", arity = "0..*", description = "Further 'run' options, e.g. --dataset shapes --model cnn --gateway URL --data URL.")
    List<String> runOptions = new ArrayList<>();

    @Override
    public Integer call() {
        List<String> args = new ArrayList<>(runOptions);
        args.addAll(List.of("--stages", "ablations", "--space", space.toString()));
        RunLadderCommand run = new RunLadderCommand();
        new CommandLine(run).parseArgs(args.toArray(String[]::new));
        return run.call();
    }
}
