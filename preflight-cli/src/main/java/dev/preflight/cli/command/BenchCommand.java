package dev.preflight.cli.command;

import dev.preflight.ladder.DataClient;
import dev.preflight.ladder.GatewayClient;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.Ladder;
import dev.preflight.ladder.LadderOptions;
import dev.preflight.cli.report.Console;
import dev.preflight.cli.stack.LocalStack;
import dev.preflight.cli.stack.Service;
import dev.preflight.nn.Model;
import dev.preflight.nn.Models;
import dev.preflight.recipe.FullData;
import dev.preflight.recipe.OverfitOneSample;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.SpeedCheck;
import dev.preflight.recipe.Stages;
import dev.preflight.recipe.StageResult;
import dev.preflight.wire.Batch;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.TrainStep;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code preflight bench}: one run, ratios measured in that run (this machine is noisy: only same-run ratios mean
 * anything). Needs the real MNIST test set (default ../shared/datasets/mnist-t10k).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark: Kafka-fed vs in-process training throughput, data-wait share, FLOP rate vs MatMul peak, val "
                + "coverage, submit-to-verdict time, and the full ladder's wall time and val accuracy on MNIST t10k (8k/2k).")
public class BenchCommand implements Callable<Integer> {

    @Option(names = "--dataset", defaultValue = "../shared/datasets/mnist-t10k", description = "IDX directory (default: ${DEFAULT-VALUE}).")
    Path dataset;

    @Option(names = "--home", description = "Preflight checkout with the built services (default: $PREFLIGHT_HOME or the current directory).")
    Path home;

    @Option(names = "--out", defaultValue = "preflight-out/bench", description = "Logs and the ladder's report (default: ${DEFAULT-VALUE}).")
    Path out;

    /** Forward FLOPs per 28x28x1 sample of the default small CNN (conv 16, conv 32, dense 64, 10 classes), counted by hand below. */
    static double cnnForwardFlops(int h, int w, int c, int classes) {
        double conv0 = 2.0 * h * w * 9 * c * 16;
        double conv1 = 2.0 * (h / 2) * (w / 2) * 9 * 16 * 32;
        double dense = 2.0 * ((h + 3) / 4) * ((w + 3) / 4) * 32 * 64;
        return conv0 + conv1 + dense + 2.0 * 64 * classes;
    }

    @Override
    public Integer call() throws Exception {
        Console console = new Console(System.out);
        DatasetPath mnist = DatasetPath.detect(dataset);
        Path root = home != null ? home : Path.of(System.getenv().getOrDefault("PREFLIGHT_HOME", "."));
        List<String[]> rows = new ArrayList<>();
        try (LocalStack stack = LocalStack.start(root, out, 2, mnist.dataRoot(), console::say)) {
            DataClient data = stack.data();
            GatewayClient gateway = stack.gateway();
            data.register(mnist.registration(List.of(28, 28, 1)));
            ModelConfig cnn = new ModelConfig("cnn", 42L, 1e-3, null);

            // 1. Submit -> overfit-one-sample verdict, timed from the submit to the judged result.
            long t0 = System.nanoTime();
            StageResult one = climb(gateway, data, mnist.name(), cnn, List.of(OverfitOneSample.NAME), null).stages().get(0);
            double submitToVerdict = (System.nanoTime() - t0) / 1e9;

            // 2. The full ladder on MNIST (8k/2k split), timed.
            long t1 = System.nanoTime();
            Ladder[] holder = new Ladder[1];
            Report ladder = climb(gateway, data, mnist.name(), cnn, Stages.NAMES, holder);
            double ladderSeconds = (System.nanoTime() - t1) / 1e9;
            StageResult full = ladder.stages().stream().filter(s -> s.name().equals(FullData.NAME)).findFirst().orElse(null);
            StageResult speed = ladder.stages().stream().filter(s -> s.name().equals(SpeedCheck.NAME)).findFirst().orElse(null);
            RunWatcher.Finished fullRun = holder[0].artifacts().get(FullData.NAME).runs().get(0);

            // 3. Accuracy of the trained model on the whole val split (2,000 images), not on the last few random val
            //    batches: the trainer exported it as a SavedModel.
            Batch wholeVal = data.valBatch(mnist.name(), 42, 0.2, 4096, 1);
            double fullValAccuracy = savedModelAccuracy(stack.exports().resolve(fullRun.runId()), wholeVal);

            // 4. The same model trained in-process from memory, same thread count as a trainer (1), same batch size.
            List<TrainStep> kafka = fullRun.history().train();
            double kafkaSamplesPerSecond = samplesPerSecond(kafka.subList(Math.min(50, kafka.size() - 1), kafka.size()));
            List<Batch> memory = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                memory.add(data.valBatch(mnist.name(), 42, 0.2, 64, 100 + i));
            }
            double inProcess;
            try (Model m = Models.forBatch(cnn, memory.get(0), 1)) {
                for (int i = 0; i < 30; i++) {
                    m.trainStep(memory.get(i % memory.size()), 1e-3f);
                }
                int steps = 300;
                long s = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    m.trainStep(memory.get(i % memory.size()), 1e-3f);
                }
                inProcess = steps * 64 / ((System.nanoTime() - s) / 1e9);
            }

            // 5. MatMul peak of this machine, measured now, with TensorFlow's default threads.
            double peak = matMulPeak();
            double trainFlops = 3 * cnnForwardFlops(28, 28, 1, 10) * kafkaSamplesPerSecond;

            rows.add(row("Kafka-fed / in-process throughput", kafkaSamplesPerSecond / inProcess, ">= 0.95",
                    String.format(Locale.ROOT, "%.0f vs %.0f samples/s", kafkaSamplesPerSecond, inProcess)));
            rows.add(row("data wait / step", speed == null ? Double.NaN : speed.evidence().get("data_wait_share"), "< 0.05", ""));
            rows.add(row("training FLOP rate / MatMul peak", trainFlops / peak, "(report)",
                    String.format(Locale.ROOT, "%.1f GFLOP/s vs %.1f GFLOP/s", trainFlops / 1e9, peak / 1e9)));
            rows.add(row("val coverage (val points / steps)", speed == null ? Double.NaN : speed.evidence().get("val_coverage"), ">= 0.95", ""));
            rows.add(row("submit -> overfit-one-sample verdict (s)", submitToVerdict, "(report)", one.verdict().toString()));
            rows.add(row("full ladder wall time on MNIST (s)", ladderSeconds, "<= 180", ladder.verdict().toString()));
            rows.add(row("val accuracy, whole val split (" + wholeVal.size() + " images)", fullValAccuracy, ">= 0.97",
                    full == null ? "" : String.format(Locale.ROOT, "mean of last 5 random val batches: %.3f", full.evidence().get("val_accuracy"))));
        }
        System.out.printf(Locale.ROOT, "%n%-52s %10s %10s  %s%n", "BENCHMARK", "VALUE", "TARGET", "DETAIL");
        for (String[] r : rows) {
            System.out.printf(Locale.ROOT, "%-52s %10s %10s  %s%n", (Object[]) r);
        }
        return 0;
    }

    private Report climb(GatewayClient gateway, DataClient data, String dataset, ModelConfig model, List<String> stages, Ladder[] holder) {
        LadderOptions o = LadderOptions.of("bench", dataset, model).withStages(Stages.named(stages))
                .withRunTimeout(Duration.ofMinutes(10));
        Console console = new Console(System.out);
        Ladder ladder = new Ladder(gateway, data, o, console::progress, r -> {
            console.endProgress();
            console.say(r.name() + ": " + r.verdict() + " — " + r.summary());
        });
        if (holder != null) {
            holder[0] = ladder;
        }
        return ladder.run();
    }

    /** Serves the exported model on the batch and scores argmax against the labels. */
    static double savedModelAccuracy(Path dir, Batch batch) {
        if (!java.nio.file.Files.isDirectory(dir)) {
            return Double.NaN;
        }
        try (org.tensorflow.SavedModelBundle bundle = org.tensorflow.SavedModelBundle.load(dir.toString(), "serve");
             TFloat32 x = TFloat32.tensorOf(Shape.of(batch.size(), batch.sampleSize()),
                     org.tensorflow.ndarray.buffer.DataBuffers.of(batch.features(), true, false));
             org.tensorflow.Result out = bundle.function("serving_default").call(java.util.Map.of("features", x))) {
            TFloat32 probs = (TFloat32) out.get("probabilities").orElseThrow();
            int classes = (int) probs.shape().get(1);
            float[] p = new float[batch.size() * classes];
            probs.copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(p, false, false));
            int right = 0;
            for (int i = 0; i < batch.size(); i++) {
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (p[i * classes + c] > p[i * classes + best]) {
                        best = c;
                    }
                }
                right += best == batch.labels()[i] ? 1 : 0;
            }
            return (double) right / batch.size();
        }
    }

    static double samplesPerSecond(List<TrainStep> steps) {
        double seconds = steps.stream().mapToDouble(TrainStep::stepSeconds).sum();
        return steps.stream().mapToInt(TrainStep::batchSize).sum() / seconds;
    }

    /**
     * 1024 x 1024 float32 MatMuls, 20 chained per run, best of 5 runs, TensorFlow's default threads: this machine's
     * dense-math ceiling. The operand is fed, not a constant: TensorFlow would fold an all-constant graph away.
     */
    static double matMulPeak() {
        int n = 1024;
        float[] values = new float[n * n];
        Arrays.fill(values, 1e-3f);
        try (Graph g = new Graph(); Session s = new Session(g);
             TFloat32 feed = TFloat32.tensorOf(Shape.of(n, n), org.tensorflow.ndarray.buffer.DataBuffers.of(values, true, false))) {
            Ops tf = Ops.create(g);
            var a = tf.placeholder(TFloat32.class, org.tensorflow.op.core.Placeholder.shape(Shape.of(n, n)));
            org.tensorflow.Operand<TFloat32> x = a;
            for (int i = 0; i < 20; i++) {
                x = tf.linalg.matMul(x, a);
            }
            var sum = tf.sum(x, tf.constant(new int[]{0, 1}));
            s.runner().feed(a, feed).fetch(sum).run().close();
            double best = 0;
            for (int r = 0; r < 5; r++) {
                long t = System.nanoTime();
                s.runner().feed(a, feed).fetch(sum).run().close();
                best = Math.max(best, 20 * 2.0 * n * n * n / ((System.nanoTime() - t) / 1e9));
            }
            return best;
        }
    }

    private static String[] row(String name, double value, String target, String detail) {
        return new String[]{name, Double.isFinite(value) ? String.format(Locale.ROOT, "%.3f", value) : "-", target, detail};
    }
}
