package dev.preflight.eval.service;

import dev.preflight.eval.config.EvalConfig;
import dev.preflight.eval.metrics.ClassificationMetrics;
import dev.preflight.eval.metrics.RegressionMetrics;
import dev.preflight.eval.metrics.SegmentationMetrics;
import dev.preflight.nn.Model;
import dev.preflight.nn.Models;
import dev.preflight.nn.Task;
import dev.preflight.nn.TfThreads;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.SamplePredictions;
import dev.preflight.wire.Snapshot;
import dev.preflight.wire.ValSampling;
import dev.preflight.wire.ValStep;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Evaluates snapshots: rebuilds the run's model (cached per run), loads the snapshot's weights, pulls a random val
 * batch from the data-service and computes the loss and the task's metrics. Besides that, per run:
 * <ul>
 *   <li><b>Input-independent baseline</b> (Karpathy): at step 0 (initial weights) and at the run's last step, the
 *       same val batch with every input value set to 0. A model that learned from its inputs does clearly worse on
 *       them at the end than on real inputs; one whose val loss equals this baseline ignores its inputs.</li>
 *   <li><b>Fixed val batch</b> (Karpathy: "visualize prediction dynamics on a fixed test batch"): chosen once from
 *       the run's data seed, so every evaluation of it sees the same samples; evaluated at the cadence
 *       {@link EvalConfig#fixedBatchEvery()} documents, its predictions (and labels) recorded in the ValStep.</li>
 * </ul>
 * Single-threaded by design (models are not thread-safe); the caller owns the thread.
 */
public class Evaluator implements AutoCloseable {

    /** What the evaluator keeps per run: the built model, the fixed batch once fetched, the fixed-batch cadence. */
    private static final class RunState {
        final Model model;
        Batch fixedBatch;
        int lastFixedStep = -1;

        RunState(Model model) {
            this.model = model;
        }
    }

    private final DataServiceClient data;
    private final EvalConfig config;
    private final Map<String, RunState> runs;
    private long fetchNanos;

    public Evaluator(DataServiceClient data, EvalConfig config) {
        if (config.fixedBatchEvery() < 1 || config.fixedBatchSize() < 1 || config.valBatchSize() < 1) {
            throw new IllegalArgumentException("preflight.eval.fixed-batch-every, fixed-batch-size and val-batch-size must be >= 1");
        }
        this.data = data;
        this.config = config;
        int capacity = config.modelCacheSize();
        // Evicting a run forgets its fixed-batch cadence too: its next snapshot then gets one fixed-batch point more
        // than the cadence asks for, and the batch is fetched again (the same samples, from the same seed).
        this.runs = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, RunState> eldest) {
                if (size() > capacity) {
                    eldest.getValue().model.close();
                    return true;
                }
                return false;
            }
        };
    }

    /**
     * Step 0 (initial weights), the run's last step (also of a run stopped early: {@link Snapshot#isLast()}) and its
     * exported weights: evaluated with the zero-input baseline, never skipped.
     */
    public static boolean isBaselineStep(Snapshot s) {
        return s.step() == 0 || s.isLast() || s.isExported();
    }

    public ValStep evaluate(Snapshot s) {
        DataConfig d = s.spec().data();
        long fetchStart = System.nanoTime();
        Batch val = fetch(s, config.valBatchSize(), ValSampling.sampleSeed(d.seed(), s.step()));
        fetchNanos = System.nanoTime() - fetchStart;
        Task task = taskOf(s, val);
        RunState run = runs.computeIfAbsent(s.runId(), id -> new RunState(
                Models.create(s.spec().model(), s.inputShape(), s.numClasses(), task,
                        TfThreads.configured(config.tfThreads(), config.tfInterOpThreads(), config.tfThreadSpinning()))));
        Model model = run.model;
        if (model.task() != task) {
            throw new IllegalArgumentException("run " + s.runId() + " was evaluated as " + model.task() + ", now its snapshot is " + task);
        }
        model.loadParameters(s.variables());
        boolean fixedDue = isBaselineStep(s)
                || Math.floorDiv(s.step(), config.fixedBatchEvery()) > Math.floorDiv(run.lastFixedStep, config.fixedBatchEvery());
        if (fixedDue && run.fixedBatch == null) {
            fetchStart = System.nanoTime();
            run.fixedBatch = fetch(s, config.fixedBatchSize(), ValSampling.fixedSampleSeed(d.seed()));
            fetchNanos += System.nanoTime() - fetchStart;
        }

        Model.Evaluation e = model.evaluate(val);
        ValStep v = scored(s, task, val, e);
        if (isBaselineStep(s)) {
            Model.Evaluation zero = model.evaluate(zeroInputs(val));
            v = withBaseline(v, zero.loss(), task == Task.REGRESSION ? null : accuracy(task, val, zero));
        }
        if (fixedDue) {
            v = withFixedBatch(v, task, run.fixedBatch, model.evaluate(run.fixedBatch));
            run.lastFixedStep = Math.max(run.lastFixedStep, s.step());
        }
        return v;
    }

    /**
     * The snapshot's task (what the trainer built); a snapshot without one gets the task its val batch implies
     * (masks: segmentation, targets: regression), as the trainer decides it from its first batch. A val batch of
     * another task is an error: scoring a segmentation batch's all-zero labels as a classification would be silently
     * meaningless.
     */
    static Task taskOf(Snapshot s, Batch val) {
        Task fromData = Models.taskOf(val);
        if (s.task() == null) {
            return fromData;
        }
        Task task = Task.valueOf(s.task());
        if (task != fromData) {
            throw new IllegalArgumentException("snapshot of a " + task + " model, but the data-service's val batch is "
                    + fromData + " data: " + val);
        }
        return task;
    }

    private Batch fetch(Snapshot s, int size, long sampleSeed) {
        DataConfig d = s.spec().data();
        return BatchCodec.decode(data.valBatch(s.spec().dataset(), d.seed(), d.valFraction(), size, sampleSeed, d.resolutionParam()));
    }

    /** The val loss and the task's metrics, computed from the model's predictions on {@code val}. */
    static ValStep scored(Snapshot s, Task task, Batch val, Model.Evaluation e) {
        return switch (task) {
            case CLASSIFICATION -> {
                ClassificationMetrics m = ClassificationMetrics.of(val.labels(), e.predictions(), val.numClasses());
                yield new ValStep(s.runId(), s.step(), e.loss(), m.accuracy(), val.size(), task.name(),
                        m.macroPrecision(), m.macroRecall(), m.macroF1(), m.precision(), m.recall(), m.f1(), m.confusion(),
                        null, null, null, null, null, null, null, null, null, null, null, null);
            }
            case SEGMENTATION -> {
                SegmentationMetrics m = SegmentationMetrics.of(masks(val), e.predictions(), val.numClasses());
                yield new ValStep(s.runId(), s.step(), e.loss(), m.pixelAccuracy(), val.size(), task.name(),
                        null, null, null, null, null, null, m.confusion(), m.pixelAccuracy(), m.meanIou(), m.iou(),
                        null, null, null, null, null, null, null, null, null);
            }
            case REGRESSION -> {
                RegressionMetrics m = RegressionMetrics.of(targets(val), e.outputs());
                // Accuracy has no meaning for regression; 0 keeps the always-present field a number (JSON has no NaN).
                yield new ValStep(s.runId(), s.step(), e.loss(), 0.0, val.size(), task.name(),
                        null, null, null, null, null, null, null, null, null, null, m.mae(), m.rmse(),
                        null, null, null, null, null, null, null);
            }
        };
    }

    /** Sample accuracy (classification) or pixel accuracy (segmentation) of an evaluation of {@code batch}. */
    static double accuracy(Task task, Batch batch, Model.Evaluation e) {
        return switch (task) {
            case CLASSIFICATION -> ClassificationMetrics.of(batch.labels(), e.predictions(), batch.numClasses()).accuracy();
            case SEGMENTATION -> SegmentationMetrics.of(masks(batch), e.predictions(), batch.numClasses()).pixelAccuracy();
            case REGRESSION -> throw new IllegalArgumentException("regression has no accuracy");
        };
    }

    static ValStep withBaseline(ValStep v, double zeroLoss, Double zeroAccuracy) {
        return new ValStep(v.runId(), v.step(), v.valLoss(), v.valAccuracy(), v.batchSize(), v.task(),
                v.macroPrecision(), v.macroRecall(), v.macroF1(), v.perClassPrecision(), v.perClassRecall(), v.perClassF1(),
                v.confusion(), v.pixelAccuracy(), v.meanIou(), v.perClassIou(), v.mae(), v.rmse(),
                zeroLoss, zeroAccuracy, v.fixedBatchLoss(), v.fixedBatchPredictions(), v.fixedBatchLabels(),
                v.fixedBatchOutputs(), v.fixedBatchTargets());
    }

    /**
     * Most regression outputs (and as many targets) a ValStep carries for the fixed batch: 16,384 values are about
     * 330 KB of JSON per array, so both fit the val-metrics topic's 1 MB records (16 images of 28x28x1 do; 16 of
     * 28x28x3 do not, and then only the fixed batch's loss is recorded).
     */
    static final int MAX_FIXED_BATCH_VALUES = 16_384;

    static ValStep withFixedBatch(ValStep v, Task task, Batch fixed, Model.Evaluation e) {
        int[] predictions = null;
        int[] labels = null;
        Double[] outputs = null;
        Double[] targets = null;
        switch (task) {
            case CLASSIFICATION -> {
                predictions = e.predictions();
                labels = fixed.labels();
            }
            case SEGMENTATION -> {
                predictions = e.predictions();
                labels = maskClasses(fixed);
            }
            case REGRESSION -> {
                // Image targets (paired data) are h*w*c values per sample: beyond the cap the values would push the
                // ValStep past the val-metrics topic's 1 MB record limit and lose the whole val point; the loss stays.
                if (e.outputs().length <= MAX_FIXED_BATCH_VALUES) {
                    outputs = finiteOrNull(e.outputs());
                    targets = finiteOrNull(targets(fixed));
                }
            }
        }
        return new ValStep(v.runId(), v.step(), v.valLoss(), v.valAccuracy(), v.batchSize(), v.task(),
                v.macroPrecision(), v.macroRecall(), v.macroF1(), v.perClassPrecision(), v.perClassRecall(), v.perClassF1(),
                v.confusion(), v.pixelAccuracy(), v.meanIou(), v.perClassIou(), v.mae(), v.rmse(),
                v.zeroInputLoss(), v.zeroInputAccuracy(), (double) e.loss(), predictions, labels, outputs, targets);
    }

    /** The same batch with every input value 0 (uint8 0 and float32 0.0 are both all-zero bytes); truth kept. */
    static Batch zeroInputs(Batch b) {
        return new Batch(b.index(), b.epoch(), b.dtype(), b.sampleShape(), b.numClasses(), b.labels(),
                new byte[b.data().length], b.masks(), b.targets(), b.targetDim(), b.classCounts(), b.classWeights());
    }

    static byte[] masks(Batch b) {
        if (b.masks() == null) {
            throw new IllegalArgumentException("a segmentation model needs val batches with masks, got " + b);
        }
        return b.masks();
    }

    /** The batch's per-pixel classes as ints (mask bytes are unsigned). */
    static int[] maskClasses(Batch b) {
        byte[] masks = masks(b);
        int[] out = new int[masks.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = masks[i] & 0xFF;
        }
        return out;
    }

    static float[] targets(Batch b) {
        if (b.targets() == null) {
            throw new IllegalArgumentException("a regression model needs val batches with targets, got " + b);
        }
        return b.targets();
    }

    private static Double[] finiteOrNull(float[] values) {
        Double[] out = new Double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.isFinite(values[i]) ? (double) values[i] : null;
        }
        return out;
    }

    /** Values (samples x classes) per {@link SamplePredictions} chunk: about 0.7 MB of JSON, far below the 16 MiB record limit. */
    static final int CHUNK_VALUES = 65_536;
    /** Samples per data-service request when paging through a split: one forward pass each. */
    static final int PAGE_SAMPLES = 1024;

    /**
     * Per-sample predictions of the weights the last {@link #evaluate} of {@code s} loaded, over the whole {@code split}
     * of the run's own split, page by page from the data-service, each page handed to {@code out} as one chunk as soon as
     * it is computed (so a long split never sits in memory). Classification only: for other tasks one chunk with the
     * reason. Cost: one forward pass per sample of the split.
     *
     * @throws RuntimeException when the data-service cannot serve the split (the caller publishes the reason)
     */
    public void predictSplit(Snapshot s, String split, java.util.function.Consumer<SamplePredictions> out) {
        RunState run = runs.get(s.runId());
        if (run == null) {
            throw new IllegalStateException("run " + s.runId() + " has no model here: evaluate its snapshot first");
        }
        if (run.model.task() != Task.CLASSIFICATION) {
            out.accept(SamplePredictions.failed(s.runId(), s.step(), split, "per-sample predictions are for classification; this run is "
                    + run.model.task()));
            return;
        }
        DataConfig d = s.spec().data();
        int[] indices;
        try {
            indices = dev.preflight.wire.Json.MAPPER.readTree(data.splitIndices(s.spec().dataset(), d.seed(), d.valFraction(), split))
                    .path("indices").traverse(dev.preflight.wire.Json.MAPPER).readValueAs(int[].class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable split indices from the data-service: " + e.getMessage(), e);
        }
        if (indices.length == 0) {
            out.accept(SamplePredictions.failed(s.runId(), s.step(), split, "the run's " + split + " split is empty"));
            return;
        }
        int classes = run.model.numClasses();
        int chunk = Math.max(1, Math.min(PAGE_SAMPLES, CHUNK_VALUES / classes));
        for (int from = 0; from < indices.length; from += chunk) {
            Batch b = BatchCodec.decode(data.splitBatch(s.spec().dataset(), d.seed(), d.valFraction(), split, from, chunk, d.resolutionParam()));
            int n = b.size();
            if (b.index() != from || from + n > indices.length) {
                throw new IllegalStateException("the data-service answered positions [" + b.index() + ", " + (b.index() + n)
                        + ") of a " + indices.length + "-sample split for [" + from + ", " + (from + chunk) + ")");
            }
            float[] p = run.model.probabilities(b);
            float[][] rows = new float[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = java.util.Arrays.copyOfRange(p, i * classes, (i + 1) * classes);
            }
            out.accept(SamplePredictions.of(s.runId(), s.step(), split, indices.length, from,
                    java.util.Arrays.copyOfRange(indices, from, from + n), b.labels(), rows));
        }
    }

    /** Time the last {@link #evaluate} spent fetching val batches: the part of validation that is I/O. */
    public long lastFetchNanos() {
        return fetchNanos;
    }

    @Override
    public void close() {
        runs.values().forEach(r -> r.model.close());
        runs.clear();
    }
}
