package dev.preflight.cli.command;

import dev.preflight.ladder.DataClient;
import dev.preflight.ladder.GatewayClient;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.ladder.Ladder;
import dev.preflight.ladder.LadderOptions;
import dev.preflight.cli.bench.CpuShares;
import dev.preflight.cli.bench.FlopProbe;
import dev.preflight.cli.bench.PipelineFigures;
import dev.preflight.cli.bench.SameWork;
import dev.preflight.cli.report.Console;
import dev.preflight.cli.stack.LocalStack;
import dev.preflight.cli.stack.Service;
import dev.preflight.nn.TfThreads;
import dev.preflight.recipe.FullData;
import dev.preflight.recipe.OverfitOneSample;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.Stages;
import dev.preflight.recipe.StageResult;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code preflight bench}: one run, ratios measured in that run (this machine is noisy: only same-run ratios mean
 * anything). Needs the real MNIST test set (default ../shared/datasets/mnist-t10k).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark: the pipeline vs the same work in-process (batch 64 and 256), the trainer's bookkeeping by part, "
                + "data wait, snapshot traffic, training FLOP rate vs MatMul peak under each performance lever, submit-to-verdict "
                + "time, and the full ladder's wall time and val accuracy on MNIST t10k (8k/2k).")
public class BenchCommand implements Callable<Integer> {

    @Option(names = "--dataset", defaultValue = "../shared/datasets/mnist-t10k", description = "IDX directory (default: ${DEFAULT-VALUE}).")
    Path dataset;

    @Option(names = "--home", description = "Preflight checkout with the built services (default: $PREFLIGHT_HOME or the current directory).")
    Path home;

    @Option(names = "--out", defaultValue = "preflight-out/bench", description = "Logs and the ladder's report (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--pipeline-only", description = "Only the pipeline rows (throughput vs same-work, bookkeeping, data wait, "
            + "snapshot traffic): no ladder, no FLOP probes. deploy/gpu-check.sh uses it with the trainer on a GPU.")
    boolean pipelineOnly;

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
        int trainers = 2;
        // The trainer's and the eval-service's TensorFlow threads in this stack: the same-work baseline gets both.
        int share = LocalStack.tfThreadsPerSession(trainers);
        try (LocalStack stack = LocalStack.start(root, out, trainers, mnist.dataRoot(), console::say)) {
            DataClient data = stack.data();
            GatewayClient gateway = stack.gateway();
            data.register(mnist.registration(List.of(28, 28, 1)));
            ModelConfig cnn = new ModelConfig("cnn", 42L, 1e-3, null);

            List<String[]> ladderRows = pipelineOnly ? List.of() : ladderRows(gateway, data, mnist.name(), cnn, stack);

            // 4. The pipeline alone (one run at a time, nothing else training) at batch 64 and 256, each against the
            //    same work done in this process with the trainer's and the eval-service's threads together.
            List<Batch> val = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                val.add(data.valBatch(mnist.name(), 42, 0.2, 64, 500 + i));
            }
            TfThreads sameThreads = new TfThreads(2 * share, 1, false);
            Map<Integer, PipelineFigures> pipeline = new LinkedHashMap<>();
            Map<Integer, CpuShares.Window> sameWork = new LinkedHashMap<>();
            Map<Integer, CpuShares.Window> pipelineCpu = new LinkedHashMap<>();
            // Every process of the stack; Kafka runs inside this JVM (with the bench's own polling), so it is read as this process.
            Map<String, Long> pids = new LinkedHashMap<>();
            stack.members().forEach(m -> pids.put(m.name(), m.pid()));
            pids.put(KAFKA_AND_BENCH, ProcessHandle.current().pid());
            if (pipelineOnly) {
                warmUp(gateway, mnist.name(), cnn, trainers, console);
            }
            for (int batch : new int[]{64, 256}) {
                int steps = batch == 64 ? 400 : 150;
                RunSpec spec = new RunSpec(mnist.name(), new DataConfig(42L, 0, batch, 0.2), cnn, steps, 1);
                String runId = gateway.submit(spec);
                // CPU readings after the same 20 warm-up steps PipelineFigures skips, and as late as possible before the
                // end (the run's last steps are followed by its SavedModel export, which is not per-sample work).
                CpuShares.Reading[] window = new CpuShares.Reading[2];
                RunWatcher.Finished run = new RunWatcher(gateway).await(runId, steps, Duration.ofMinutes(10), p -> {
                    if (window[0] == null && p.step() >= 20 && p.step() < steps - 20) {
                        window[0] = CpuShares.read(p.step(), pids);
                    } else if (window[0] != null && p.step() > window[0].step() && p.step() <= steps - 5) {
                        window[1] = CpuShares.read(p.step(), pids);
                    }
                });
                pipeline.put(batch, PipelineFigures.of(run.history(), 20));
                if (window[1] != null) {
                    pipelineCpu.put(batch, CpuShares.between(window[0], window[1], batch));
                }
                List<Batch> train = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    train.add(data.valBatch(mnist.name(), 42, 0.2, batch, 100 + i));
                }
                sameWork.put(batch, SameWork.run(cnn, train, val, sameThreads, batch == 64 ? 300 : 100));
            }

            for (int batch : pipeline.keySet()) {
                PipelineFigures f = pipeline.get(batch);
                double same = sameWork.get(batch).samplesPerSecond();
                rows.add(row("pipeline / same-work in-process, batch " + batch, f.samplesPerSecond() / same, ">= 0.90",
                        String.format(Locale.ROOT, "%.0f vs %.0f samples/s (%d TF threads); val coverage %.2f", f.samplesPerSecond(),
                                same, sameThreads.intraOp(), f.valCoverage())));
                rows.addAll(cpuRows(batch, pipelineCpu.get(batch), sameWork.get(batch)));
            }
            for (int batch : pipeline.keySet()) {
                PipelineFigures f = pipeline.get(batch);
                double c = f.computeSeconds();
                rows.add(row("trainer bookkeeping / compute, batch " + batch, f.bookkeepingSeconds() / c, "<= 0.02",
                        String.format(Locale.ROOT, "step - compute - data wait, over %d steps", f.steps())));
                rows.add(row("  decode / compute", f.decodeSeconds() / c, "(part)", ""));
                rows.add(row("  offset commit / compute", f.commitSeconds() / c, "(part)", ""));
                rows.add(row("  metric events / compute", f.metricsSeconds() / c, "(part)", ""));
                rows.add(row("  snapshot read+encode+publish / compute", f.snapshotSeconds() / c, "(part)", ""));
                rows.add(row("  checkpoint / compute", f.checkpointSeconds() / c, "(part)", ""));
                rows.add(row("  unaccounted / compute", f.unaccountedSeconds() / c, "(part)", "loop, lease checks, GC"));
                rows.add(row("data wait / step, batch " + batch, f.dataWaitSeconds() / f.stepSeconds(), "< 0.05", ""));
                rows.add(row("snapshot bytes published / validated, batch " + batch, (double) f.publishedBytes() / f.validatedBytes(),
                        "<= 1.05", String.format(Locale.ROOT, "%.0f KB snapshots: %.2f published and %.2f validated per train step",
                                f.snapshotBytes() / 1024.0, (double) f.publishedBytes() / f.snapshotBytes() / f.runSteps(),
                                (double) f.validatedBytes() / f.snapshotBytes() / f.runSteps())));
            }
            if (!pipelineOnly) {
                rows.addAll(flopRows(pipeline.get(256), share, console));
                rows.addAll(ladderRows);
            }
        }
        System.out.printf(Locale.ROOT, "%n%-60s %10s %10s  %s%n", "BENCHMARK", "VALUE", "TARGET", "DETAIL");
        for (String[] r : rows) {
            System.out.printf(Locale.ROOT, "%-60s %10s %10s  %s%n", (Object[]) r);
        }
        // A target is met when VALUE satisfies the TARGET column's comparison; the other markers have no target.
        System.out.printf(Locale.ROOT, "%nTARGET: a row meets it when VALUE satisfies the comparison. (part): a factor or share of the row "
                + "above it. (report): measured, no target. (lever): one setting of the FLOP probe. The trainer rows name both replicas: "
                + "the one with most of the cores trained the run. docs/performance.md explains every row.%n");
        return 0;
    }

    /**
     * Submit-to-verdict time, the full ladder's wall time, and the accuracy of its full-data model on the whole val
     * split (2,000 images, not the last few random val batches: the trainer exported it as a SavedModel).
     */
    private List<String[]> ladderRows(GatewayClient gateway, DataClient data, String dataset, ModelConfig cnn, LocalStack stack) {
        long t0 = System.nanoTime();
        StageResult one = climb(gateway, data, dataset, cnn, List.of(OverfitOneSample.NAME), null).stages().get(0);
        double submitToVerdict = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        Ladder[] holder = new Ladder[1];
        Report ladder = climb(gateway, data, dataset, cnn, Stages.NAMES, holder);
        double ladderSeconds = (System.nanoTime() - t1) / 1e9;
        StageResult full = ladder.stages().stream().filter(s -> s.name().equals(FullData.NAME)).findFirst().orElse(null);
        RunWatcher.Finished fullRun = holder[0].artifacts().get(FullData.NAME).runs().get(0);
        Batch wholeVal = data.valBatch(dataset, 42, 0.2, 4096, 1);
        double fullValAccuracy = savedModelAccuracy(stack.exports().resolve(fullRun.runId()), wholeVal);
        return List.of(
                row("submit -> overfit-one-sample verdict (s)", submitToVerdict, "(report)", one.verdict().toString()),
                row("full ladder wall time on MNIST (s)", ladderSeconds, "<= 180", ladder.verdict().toString()),
                row("val accuracy, whole val split (" + wholeVal.size() + " images)", fullValAccuracy, ">= 0.97",
                        full == null ? "" : String.format(Locale.ROOT, "mean of last 5 random val batches: %.3f", full.evidence().get("val_accuracy"))));
    }

    /**
     * Training FLOP rate of the zoo CNN at batch 256 against this machine's MatMul peak, measured now: in-process under
     * each performance lever (each in a JVM of its own, {@link FlopProbe}), and in the pipeline.
     */
    private static List<String[]> flopRows(PipelineFigures big, int share, Console console) {
        List<String[]> rows = new ArrayList<>();
        double peak = matMulPeak();
        double perSample = 3 * cnnForwardFlops(28, 28, 1, 10);
        int cores = TfThreads.availableCores();
        TfThreads all = new TfThreads(cores, 1, true);
        List<FlopProbe.Setting> levers = List.of(
                new FlopProbe.Setting("zoo CNN (Preflight's graph), all cores, spinning", "zoo", 256, all, false, true, null),
                new FlopProbe.Setting("zoo CNN, spinning off", "zoo", 256, new TfThreads(cores, 1, false), false, true, null),
                new FlopProbe.Setting("same layers, plain SGD: NHWC, fused, oneDNN default", "raw", 256, all, false, true, null),
                new FlopProbe.Setting("  NCHW layout", "raw", 256, all, true, true, null),
                new FlopProbe.Setting("  no op fusion (Grappler remapper off)", "raw", 256, all, false, false, null),
                new FlopProbe.Setting("  TF_ENABLE_ONEDNN_OPTS=1", "raw", 256, all, false, true, true),
                new FlopProbe.Setting("  TF_ENABLE_ONEDNN_OPTS=0", "raw", 256, all, false, true, false),
                new FlopProbe.Setting("  intra-op 1 thread", "raw", 256, new TfThreads(1, 1, true), false, true, null),
                new FlopProbe.Setting("  inter-op 2 threads", "raw", 256, new TfThreads(cores, 2, true), false, true, null),
                new FlopProbe.Setting("  spinning off", "raw", 256, new TfThreads(cores, 1, false), false, true, null));
        List<FlopProbe.Outcome> measured = new ArrayList<>();
        for (FlopProbe.Setting s : levers) {
            console.say("FLOP probe: " + s.name().strip());
            measured.add(FlopProbe.measure(s));
        }
        FlopProbe.Outcome zoo = measured.get(0);
        rows.add(row("training FLOP rate / MatMul peak, zoo CNN b256 in-process", perSample * zoo.samplesPerSecond() / peak, ">= 0.40",
                String.format(Locale.ROOT, "%.1f GFLOP/s vs %.1f GFLOP/s (%d cores)", perSample * zoo.samplesPerSecond() / 1e9, peak / 1e9, cores)));
        for (FlopProbe.Outcome o : measured) {
            rows.add(row("  " + o.setting().name(), perSample * o.samplesPerSecond() / peak, "(lever)", o.unsupported() != null
                    ? o.unsupported() : String.format(Locale.ROOT, "%.0f samples/s", o.samplesPerSecond())));
        }
        rows.add(row("training FLOP rate / MatMul peak, pipeline b256", perSample * big.samplesPerSecond() / peak, "(report)",
                String.format(Locale.ROOT, "trainer session at %d of %d cores: %.1f GFLOP/s; in its session alone %.1f GFLOP/s",
                        share, cores, perSample * big.samplesPerSecond() / 1e9, perSample * big.steps() * 256 / big.computeSeconds() / 1e9)));
        return rows;
    }

    private Report climb(GatewayClient gateway, DataClient data, String dataset, ModelConfig model, List<String> stages, Ladder[] holder) {
        // Early stopping off: the benchmark compares a fixed amount of work.
        LadderOptions o = LadderOptions.of("bench", dataset, model).withEarlyStopping(null).withStages(Stages.named(stages))
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

    /**
     * One short run per trainer at once, not measured, when no ladder ran before the pipeline rows. A fresh stack's
     * first run is also its JVMs' warm-up: measured on a local stack, the JIT compiler threads spent 5.7 CPU-s in the
     * trainer and 4.9 in the eval-service during the first 400-step run, 2.2 and 2.6 during the second; the same-work
     * loop gets 10 untimed iterations, so without this the pipeline's rows would count the JIT against it.
     */
    private static void warmUp(GatewayClient gateway, String dataset, ModelConfig cnn, int trainers, Console console) {
        console.say("warming up the stack: " + trainers + " runs of 150 steps, not measured");
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < trainers; i++) {
            runs.add(gateway.submit(new RunSpec(dataset, new DataConfig(7L + i, 0, 64, 0.2), cnn, 150, 1)));
        }
        for (String run : runs) {
            new RunWatcher(gateway).await(run, 150, Duration.ofMinutes(10), p -> { });
        }
    }

    /** The name {@link CpuShares} readings give this JVM: the in-process Kafka broker, and the bench polling the gateway. */
    static final String KAFKA_AND_BENCH = "kafka (in-process) + bench";

    /**
     * Why the pipeline's throughput differs from the same-work loop's, split exactly: samples/s = cores busy ÷ CPU per
     * sample, so the throughput ratio = (cores busy ratio) × (same-work CPU per sample ÷ pipeline CPU per sample). The
     * parts give each process's CPU per sample ÷ the same-work loop's.
     */
    static List<String[]> cpuRows(int batch, CpuShares.Window pipeline, CpuShares.Window same) {
        if (pipeline == null) {
            return List.<String[]>of(row("  pipeline CPU per sample / same-work, batch " + batch, Double.NaN, "(report)",
                    "no CPU window: the run ended before two readings after warm-up"));
        }
        List<String[]> rows = new ArrayList<>();
        int cores = Runtime.getRuntime().availableProcessors();
        rows.add(row("  cores busy: pipeline / same-work, batch " + batch, pipeline.coresBusy() / same.coresBusy(), "(part)",
                String.format(Locale.ROOT, "%.2f vs %.2f of %d cores, over %.1f s and %.1f s", pipeline.coresBusy(), same.coresBusy(),
                        cores, pipeline.wallSeconds(), same.wallSeconds())));
        rows.add(row("  CPU per sample: same-work / pipeline, batch " + batch, same.cpuSecondsPerSample() / pipeline.cpuSecondsPerSample(),
                "(part)", String.format(Locale.ROOT, "%.0f vs %.0f CPU-us per sample; the two parts multiply to %.3f, the throughput ratio over "
                        + "the CPU window; by process below, summing to pipeline / same-work = %.2f", 1e6 * same.cpuSecondsPerSample(),
                        1e6 * pipeline.cpuSecondsPerSample(), pipeline.samplesPerSecond() / same.samplesPerSecond(),
                        pipeline.cpuSecondsPerSample() / same.cpuSecondsPerSample())));
        pipeline.cpuSeconds().forEach((name, cpu) -> rows.add(row("    " + name + " CPU / same-work CPU", cpu / pipeline.samples()
                / same.cpuSecondsPerSample(), "(part)", String.format(Locale.ROOT, "%.0f CPU-us per sample, %.2f cores",
                1e6 * cpu / pipeline.samples(), cpu / pipeline.wallSeconds()))));
        return rows;
    }

    private static String[] row(String name, double value, String target, String detail) {
        return new String[]{name, Double.isFinite(value) ? String.format(Locale.ROOT, "%.3f", value) : "-", target, detail};
    }
}
