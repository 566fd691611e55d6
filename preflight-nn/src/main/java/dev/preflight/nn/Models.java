package dev.preflight.nn;

import dev.preflight.wire.Batch;
import dev.preflight.keras.KerasModel;
import dev.preflight.wire.ModelConfig;

/** Builds the model a {@link ModelConfig} names. Trainer and eval-service both call this, so they build the same graph. */
public final class Models {

    /** The recipe's "small architecture" budget: more than this in an early stage earns a warning. */
    public static final long EARLY_STAGE_PARAMETER_BUDGET = 1_000_000;

    private Models() {
    }

    /** A classification model. */
    public static Model create(ModelConfig config, int[] sampleShape, int numClasses, int threads) {
        return create(config, sampleShape, numClasses, Task.CLASSIFICATION, threads);
    }

    /**
     * @param outputs classes (classification, segmentation) or output width (regression)
     * @param threads TensorFlow intra-op threads; 0 = one per core. Services pin this: TF's pool busy-waits between
     *                ops, and on a small machine a trainer with every core starves the services beside it.
     */
    public static Model create(ModelConfig config, int[] sampleShape, int outputs, Task task, int threads) {
        return create(config, sampleShape, outputs, task, threads > 0 ? TfThreads.of(threads) : null);
    }

    /**
     * @param outputs classes (classification, segmentation) or output width (regression)
     * @param threads the session's TensorFlow threads; null: TensorFlow's defaults (one thread per core, spinning)
     */
    public static Model create(ModelConfig config, int[] sampleShape, int outputs, Task task, TfThreads threads) {
        return create(config, sampleShape, outputs, task, threads, Devices.ONE);
    }

    /**
     * As {@link #create(ModelConfig, int[], int, Task, TfThreads)}, trained on {@code devices}: more than one trains
     * data-parallel, one tower per device, each step's batch split evenly over them (so its size must divide by the
     * device count: {@link Model#trainStep} throws an {@link IllegalArgumentException} naming both numbers otherwise).
     * Parameters, checkpoints and snapshots are the same as on one device, so either can resume the other's.
     */
    public static Model create(ModelConfig config, int[] sampleShape, int outputs, Task task, TfThreads threads, Devices devices) {
        return create(config, sampleShape, outputs, task, threads, devices, null);
    }

    /**
     * As {@link #create(ModelConfig, int[], int, Task, TfThreads, Devices)}; with {@code adversarial} non-null, a
     * {@code generator} trained against a Wasserstein critic on top of its L1 loss ({@link Critic}).
     *
     * @throws IllegalArgumentException for a critic on anything but a generator of image pairs, or on several devices
     */
    public static Model create(ModelConfig config, int[] sampleShape, int outputs, Task task, TfThreads threads, Devices devices,
                               dev.preflight.wire.Adversarial adversarial) {
        ModelConfig.Type type = config.modelType();
        if (adversarial != null && type != ModelConfig.Type.GENERATOR) {
            throw new IllegalArgumentException("adversarial training needs a generator model, not " + config.type());
        }
        if (type == ModelConfig.Type.KERAS) {
            if (task != Task.REGRESSION && outputs < 2) {
                throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + outputs);
            }
            if (config.keras() == null) {
                throw new IllegalArgumentException("type keras needs the definition in model.keras");
            }
            KerasModel keras = KerasModel.parse(config.keras());
            return new GraphModel(KerasArchitecture.withCompiledLoss(keras, config), sampleShape, outputs, task, threads,
                    devices, new KerasArchitecture(keras, task));
        }
        if (task == Task.SEGMENTATION && type != ModelConfig.Type.SEGNET) {
            throw new IllegalArgumentException("segmentation batches need a per-pixel model (type segnet), not " + config.type());
        }
        if (type == ModelConfig.Type.GENERATOR && task != Task.REGRESSION) {
            throw new IllegalArgumentException("generator outputs images: it needs paired data whose batches carry target images");
        }
        if (task != Task.SEGMENTATION && type == ModelConfig.Type.SEGNET) {
            throw new IllegalArgumentException("segnet predicts per pixel: it needs batches with masks");
        }
        if (task != Task.REGRESSION && outputs < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + outputs);
        }
        return new GraphModel(config, sampleShape, outputs, task, threads, devices, Architectures.of(type), adversarial);
    }

    /** The task a batch implies: masks mean segmentation, targets regression, otherwise classification. */
    public static Task taskOf(Batch b) {
        return b.masks() != null ? Task.SEGMENTATION : b.targets() != null ? Task.REGRESSION : Task.CLASSIFICATION;
    }

    /** Output width for a batch's task: its class count, or its regression target width. */
    public static int outputsOf(Batch b) {
        return b.targets() != null ? b.targetDim() : b.numClasses();
    }

    /** The model for a run's first batch, with the output bias at the log class priors if the config asks. */
    public static Model forBatch(ModelConfig config, Batch first, int threads) {
        return forBatch(config, first, threads > 0 ? TfThreads.of(threads) : null);
    }

    /** As {@link #forBatch(ModelConfig, Batch, int)}, with the session's thread settings (null: TensorFlow's defaults). */
    public static Model forBatch(ModelConfig config, Batch first, TfThreads threads) {
        return forBatch(config, first, threads, Devices.ONE);
    }

    /** As {@link #forBatch(ModelConfig, Batch, TfThreads)}, trained on {@code devices} (see {@link #create(ModelConfig, int[], int, Task, TfThreads, Devices)}). */
    public static Model forBatch(ModelConfig config, Batch first, TfThreads threads, Devices devices) {
        return forBatch(config, first, threads, devices, null);
    }

    /** As {@link #forBatch(ModelConfig, Batch, TfThreads, Devices)}, with a Wasserstein critic when {@code adversarial} is set. */
    public static Model forBatch(ModelConfig config, Batch first, TfThreads threads, Devices devices, dev.preflight.wire.Adversarial adversarial) {
        Model m = create(config, first.sampleShape(), outputsOf(first), taskOf(first), threads, devices, adversarial);
        if (config.kerasWeights() != null) {
            try {
                m.loadKerasWeights(java.nio.file.Path.of(config.kerasWeights()));
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
        }
        if (config.modelType() == ModelConfig.Type.GENERATOR) {
            m.initOutputToTargetMean(first);
        }
        if (config.logPriorBias()) {
            if (first.classCounts() == null) {
                m.close();
                throw new IllegalArgumentException("biasInit log-prior needs the train split's class counts in the stream");
            }
            m.initBiasToLogPriors(first.classCounts());
        }
        return m;
    }

    /**
     * Loads TensorFlow's native library and runs one tiny graph. The first model in a JVM otherwise pays seconds of
     * native loading inside the first training step or the first validation; services call this before they report
     * ready, so a run's first val points are not lost to it.
     */
    public static void warmUp() {
        try (Model m = create(ModelConfig.builder(ModelConfig.Type.MLP).seed(0L).learningRate(1e-3).hiddenUnits(java.util.List.of(2)).build(), new int[]{2}, 2, 1)) {
            Batch b = new Batch(0, 0, dev.preflight.wire.DType.FLOAT32, new int[]{2}, 2, new int[]{0}, new byte[8]);
            m.trainStep(b, 1e-3f);
            m.evaluate(b);
        }
    }
}
