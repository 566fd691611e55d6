package dev.preflight.cli.command;

import dev.preflight.recipe.Ablations;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code preflight ablate SPACE.json [run options]}: only the ablation stage, over a declared search space. */
@Command(name = "ablate", mixinStandardHelpOptions = true, abbreviateSynopsis = true,
        description = "Random search over a search-space file, in parallel on the trainer replicas, with ASHA and sanity kills, "
                + "then seed bands for the best configurations. Takes every option of 'run', e.g. "
                + "'preflight ablate space.json --dataset shapes --model cnn'.")
public class AblateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SPACE.json", description = "Search-space JSON: {trials, steps, rungs, eta, warmup, top, seeds, "
            + "parameters: {name: {choice|uniform|logUniform}}}")
    Path space;

    @CommandLine.Mixin
    RunOptions options = new RunOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return options.climb(spec, List.of(Ablations.NAME), space);
    }
}
