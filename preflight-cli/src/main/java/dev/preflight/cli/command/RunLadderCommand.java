package dev.preflight.cli.command;

import dev.preflight.recipe.Stages;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code preflight run}: climbs the recipe's ladder for one dataset and model, stage by stage, each ending in a
 * verdict. Against a running deployment ({@code --gateway}, {@code --data}) or a local stack it starts itself.
 */
@Command(name = "run", mixinStandardHelpOptions = true, abbreviateSynopsis = true,
        description = "Run the recipe's stages (model-check, data-check, init-check, overfit-one-sample, overfit-few-samples, full-data, "
                + "speed, ablations; opt-in: l1-regression and adversarial for generators of image pairs, label-noise, ensemble) on a "
                + "dataset and a model; a FAIL stops the ladder. Writes report.json and report.html; exit 0 when no stage failed "
                + "(with --strict: when every stage passed).")
public class RunLadderCommand implements Callable<Integer> {

    @CommandLine.Mixin
    RunOptions options = new RunOptions();

    @Option(names = "--stages", split = ",", description = "Stages to run, in ladder order, among ${COMPLETION-CANDIDATES} (default: all but the opt-in l1-regression, adversarial, label-noise and ensemble; adversarial needs l1-regression, both need --model generator or a Keras model, and paired data such as shapes-paired).",
            completionCandidates = StageNames.class)
    List<String> stages;

    @Option(names = "--space", description = "Ablation search-space JSON file (default: a small learning-rate and width search).")
    Path spaceFile;

    static final class StageNames extends ArrayList<String> {
        StageNames() {
            super(Stages.EVERY);
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<String> chosen = stages == null || stages.isEmpty() ? Stages.NAMES : stages;
        return options.climb(spec, chosen, spaceFile);
    }
}
