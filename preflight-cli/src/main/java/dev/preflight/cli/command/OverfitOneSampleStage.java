package dev.preflight.cli.command;

import dev.preflight.ladder.GatewayClient;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.recipe.OverfitOneSample;
import dev.preflight.recipe.StageResult;
import dev.preflight.wire.RunSpec;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** Runs the recipe's "overfit one sample" stage through the gateway and judges it. */
public final class OverfitOneSampleStage {

    /** The verdict and the run behind it. */
    public record Outcome(StageResult result, RunWatcher.Finished run) {
    }

    private OverfitOneSampleStage() {
    }

    public static Outcome run(GatewayClient gateway, String dataset, long seed, double learningRate, List<Integer> hidden,
                              OverfitOneSample.Thresholds thresholds, Duration timeout, Consumer<RunWatcher.Progress> progress) {
        RunSpec spec = OverfitOneSample.runSpec(dataset, seed, learningRate, hidden, thresholds);
        String runId = gateway.submit(spec);
        RunWatcher.Finished run = new RunWatcher(gateway).await(runId, spec.steps(), timeout, progress);
        StageResult result = OverfitOneSample.judge(runId, run.history().trainLosses(), run.lastValLoss(),
                run.failed() ? run.message() : null, thresholds);
        return new Outcome(result, run);
    }
}
