package dev.preflight.cli.command;

import dev.preflight.cli.client.GatewayClient;
import dev.preflight.cli.report.Console;
import dev.preflight.cli.report.ReportWriter;
import dev.preflight.cli.stack.LocalStack;
import dev.preflight.cli.stack.Service;
import dev.preflight.recipe.OverfitOneSample;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.Verdict;
import dev.preflight.wire.TrainStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The laptop demo: local Kafka + the four services, the "overfit one sample" stage on the built-in shapes dataset,
 * report.json. Exit code 0 only on PASS; the last line printed is the report's path.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start a local stack (in-process Kafka + all services, no Docker), overfit one sample of the "
                + "built-in 'shapes' dataset, write report.json. Exit 0 only on PASS.")
public class DemoCommand implements Callable<Integer> {

    @Option(names = "--out", description = "Directory for report.json and service logs (default: ${DEFAULT-VALUE}).", defaultValue = "preflight-out")
    Path out;

    @Option(names = "--home", description = "Preflight checkout with the built services (default: $PREFLIGHT_HOME or the current directory).")
    Path home;

    @Option(names = "--seed", description = "Seed for data order and weight init (default: ${DEFAULT-VALUE}).", defaultValue = "42")
    long seed;

    @Option(names = "--lr", description = "Adam learning rate (default: ${DEFAULT-VALUE}).", defaultValue = "0.001")
    double learningRate;

    @Option(names = "--steps", description = "Step budget for memorising the sample (default: ${DEFAULT-VALUE}).", defaultValue = "300")
    int steps;

    @Option(names = "--max-loss", description = "Train loss the sample must get below (default: ${DEFAULT-VALUE}).", defaultValue = "0.01")
    double maxLoss;

    @Option(names = "--timeout", description = "Give up after this many seconds (default: ${DEFAULT-VALUE}).", defaultValue = "600")
    long timeoutSeconds;

    @Override
    public Integer call() {
        Console console = new Console(System.out);
        Path root = home != null ? home : Path.of(System.getenv().getOrDefault("PREFLIGHT_HOME", "."));
        OverfitOneSample.Thresholds thresholds = new OverfitOneSample.Thresholds(maxLoss, steps);
        try (LocalStack stack = LocalStack.start(root, out, 1, console::say)) {
            GatewayClient gateway = new GatewayClient(stack.url(Service.GATEWAY));
            console.say("stage " + OverfitOneSample.NAME + ": MLP [64], Adam lr " + learningRate + ", 1 sample, " + steps + " steps");
            OverfitOneSampleStage.Outcome outcome = OverfitOneSampleStage.run(gateway, "shapes", seed, learningRate, List.of(64),
                    thresholds, Duration.ofSeconds(timeoutSeconds), p -> console.progress(OverfitOneSample.NAME, p));
            console.endProgress();
            var ev = outcome.result().evidence();
            console.say(String.format(Locale.ROOT, "final train loss %.6f, val loss %.4f after %d steps",
                    orNaN(ev.get("train_loss")), orNaN(ev.get("val_loss")), outcome.run().lastStep()));
            List<TrainStep> train = outcome.run().history().train();
            double stepSeconds = train.stream().mapToDouble(TrainStep::stepSeconds).sum();
            double waitSeconds = train.stream().mapToDouble(TrainStep::dataWaitSeconds).sum();
            if (!train.isEmpty()) {
                console.say(String.format(Locale.ROOT, "mean step %.1f ms, %.0f %% of it waiting for data; val coverage %d/%d steps",
                        1000 * stepSeconds / train.size(), 100 * waitSeconds / stepSeconds, outcome.run().history().val().size(), train.size()));
            }
            Report report = new Report("shapes", "mlp", List.of(outcome.result()), System.currentTimeMillis());
            Path written = ReportWriter.write(report, out);
            console.verdictTable(report.stages());
            console.say("shutting down");
            stack.close();
            System.out.println(written);
            return report.verdict() == Verdict.PASS ? 0 : 1;
        }
    }

    private static double orNaN(Double d) {
        return d == null ? Double.NaN : d;
    }
}
