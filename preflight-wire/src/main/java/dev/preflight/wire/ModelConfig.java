package dev.preflight.wire;

import java.util.List;
import java.util.Set;

/**
 * The model and its optimiser. Every "fancy feature" (dropout, batch norm, weight decay, LR decay) is off unless set:
 * the recipe starts without them ("No fancy features ... at the beginning they complicate everything").
 *
 * @param type         model family: "mlp", "cnn" (small CNN), "resnet" (ResNet-18 stem + first residual blocks),
 *                     "segnet" (tiny encoder-decoder with per-pixel logits)
 * @param seed         weight-initialisation (and dropout) seed
 * @param learningRate base learning rate, >= 0 (0 is accepted: it is a fault the recipe's stages must catch)
 * @param hiddenUnits  widths of the fully connected hidden layers (mlp: the layers; cnn: the dense head); [] = none
 *                     (a linear model); default [64] for mlp and cnn — a first model that can fit any small table
 *                     ("start with a simple model", Niessner 3/n) without anyone having to choose widths
 * @param channels     conv widths (cnn: one conv block each; resnet: [stem width]; segnet: encoder widths);
 *                     default [16, 32] (cnn, segnet) or [16] (resnet)
 * @param blocks       resnet residual blocks (default 2)
 * @param optimizer    "adam" (default) or "sgd" (with momentum)
 * @param momentum     SGD momentum, default 0.9
 * @param dropout      drop probability before each dense layer, default 0 (off)
 * @param batchNorm    batch normalisation after each conv, default false
 * @param weightDecay  L2 penalty on kernels, default 0 (off)
 * @param lrSchedule   "constant" (default), "step" (x lrStepGamma every lrStepEvery steps) or "cosine" (to 0 at the last step)
 * @param biasInit     "zero" (default) or "log-prior": the output bias starts at the log class priors of the train split
 * @param loss         "cross-entropy" (classification, segmentation: per pixel) or "l1"/"l2" (regression);
 *                     default from the data: cross-entropy, or l2 when batches carry regression targets
 * @param initScale    multiplies every initial kernel weight; default 1. A fault drill: x100 is the "bad init" the
 *                     init-check stage must catch
 * @param dropInputs   fault drill: the network's input is multiplied by 0 before the first layer (data that never
 *                     reaches the net, a wrong tensor fed). The full-data stage must say "ignores its input"
 */
public record ModelConfig(String type, Long seed, Double learningRate, List<Integer> hiddenUnits, List<Integer> channels,
                          Integer blocks, String optimizer, Double momentum, Double dropout, Boolean batchNorm,
                          Double weightDecay, String lrSchedule, Integer lrStepEvery, Double lrStepGamma, String biasInit,
                          String loss, Double initScale, Boolean dropInputs) {

    public static final Set<String> TYPES = Set.of("mlp", "cnn", "resnet", "segnet");
    public static final Set<String> OPTIMIZERS = Set.of("adam", "sgd");
    public static final Set<String> SCHEDULES = Set.of("constant", "step", "cosine");
    public static final Set<String> BIAS_INITS = Set.of("zero", "log-prior");
    public static final Set<String> LOSSES = Set.of("cross-entropy", "l1", "l2");

    /** The plain model of the early stages: no regularisation, constant LR, Adam. */
    public ModelConfig(String type, Long seed, Double learningRate, List<Integer> hiddenUnits) {
        this(type, seed, learningRate, hiddenUnits, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Every field but the fault drill. */
    public ModelConfig(String type, Long seed, Double learningRate, List<Integer> hiddenUnits, List<Integer> channels,
                       Integer blocks, String optimizer, Double momentum, Double dropout, Boolean batchNorm,
                       Double weightDecay, String lrSchedule, Integer lrStepEvery, Double lrStepGamma, String biasInit,
                       String loss) {
        this(type, seed, learningRate, hiddenUnits, channels, blocks, optimizer, momentum, dropout, batchNorm, weightDecay,
                lrSchedule, lrStepEvery, lrStepGamma, biasInit, loss, null, null);
    }

    /** Every field: the canonical constructor without the input drill. */
    public ModelConfig(String type, Long seed, Double learningRate, List<Integer> hiddenUnits, List<Integer> channels,
                       Integer blocks, String optimizer, Double momentum, Double dropout, Boolean batchNorm,
                       Double weightDecay, String lrSchedule, Integer lrStepEvery, Double lrStepGamma, String biasInit,
                       String loss, Double initScale) {
        this(type, seed, learningRate, hiddenUnits, channels, blocks, optimizer, momentum, dropout, batchNorm, weightDecay,
                lrSchedule, lrStepEvery, lrStepGamma, biasInit, loss, initScale, null);
    }

    public boolean inputsDropped() {
        return dropInputs != null && dropInputs;
    }

    public ModelConfig withDroppedInputs() {
        return new ModelConfig(type, seed, learningRate, hiddenUnits, channels, blocks, optimizer, momentum, dropout, batchNorm,
                weightDecay, lrSchedule, lrStepEvery, lrStepGamma, biasInit, loss, initScale, true);
    }

    void validate(String prefix, List<String> problems) {
        if (type == null || type.isBlank()) {
            problems.add(prefix + "type is required, one of " + TYPES);
        } else if (!TYPES.contains(type)) {
            problems.add(prefix + "type '" + type + "' is unknown, expected one of " + TYPES);
        }
        if (seed == null) {
            problems.add(prefix + "seed is required");
        }
        if (learningRate == null) {
            problems.add(prefix + "learningRate is required");
        } else if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            problems.add(prefix + "learningRate must be a finite number >= 0, was " + learningRate);
        }
        widths(prefix + "hiddenUnits", hiddenUnits, problems);
        widths(prefix + "channels", channels, problems);
        if (channels != null && channels.isEmpty() && type != null && !"mlp".equals(type)) {
            problems.add(prefix + "channels must not be empty for " + type);
        }
        if (blocks != null && (blocks < 1 || blocks > 8)) {
            problems.add(prefix + "blocks must be in [1, 8], was " + blocks);
        }
        oneOf(prefix + "optimizer", optimizer, OPTIMIZERS, problems);
        if (momentum != null && !(momentum >= 0 && momentum < 1)) {
            problems.add(prefix + "momentum must be in [0, 1), was " + momentum);
        }
        if (dropout != null && !(dropout >= 0 && dropout < 1)) {
            problems.add(prefix + "dropout must be in [0, 1), was " + dropout);
        }
        if (weightDecay != null && !(weightDecay >= 0) || weightDecay != null && Double.isInfinite(weightDecay)) {
            problems.add(prefix + "weightDecay must be a finite number >= 0, was " + weightDecay);
        }
        oneOf(prefix + "lrSchedule", lrSchedule, SCHEDULES, problems);
        if ("step".equals(lrSchedule) && (lrStepEvery == null || lrStepEvery < 1)) {
            problems.add(prefix + "lrStepEvery must be >= 1 with lrSchedule step, was " + lrStepEvery);
        }
        if (lrStepGamma != null && !(lrStepGamma > 0 && lrStepGamma <= 1)) {
            problems.add(prefix + "lrStepGamma must be in (0, 1], was " + lrStepGamma);
        }
        oneOf(prefix + "biasInit", biasInit, BIAS_INITS, problems);
        oneOf(prefix + "loss", loss, LOSSES, problems);
        if (initScale != null && !(initScale > 0 && initScale <= 1e6)) {
            problems.add(prefix + "initScale must be in (0, 1e6], was " + initScale);
        }
    }

    private static void widths(String field, List<Integer> widths, List<String> problems) {
        if (widths == null) {
            return;
        }
        for (int i = 0; i < widths.size(); i++) {
            Integer w = widths.get(i);
            if (w == null || w < 1 || w > 8192) {
                problems.add(field + "[" + i + "] must be in [1, 8192], was " + w);
            }
        }
    }

    private static void oneOf(String field, String value, Set<String> allowed, List<String> problems) {
        if (value != null && !allowed.contains(value)) {
            problems.add(field + " '" + value + "' is unknown, expected one of " + allowed);
        }
    }

    /** The hidden widths of mlp and cnn when none are given. */
    public static final List<Integer> DEFAULT_HIDDEN = List.of(64);

    /** Whether {@link #validate} finds nothing wrong. */
    public boolean problemsFree() {
        List<String> problems = new java.util.ArrayList<>();
        validate("", problems);
        return problems.isEmpty();
    }

    public List<Integer> hiddenOrDefault() {
        return hiddenUnits != null ? hiddenUnits : "cnn".equals(type) || "mlp".equals(type) ? DEFAULT_HIDDEN : List.of();
    }

    public List<Integer> channelsOrDefault() {
        return channels != null ? channels : "resnet".equals(type) ? List.of(16) : List.of(16, 32);
    }

    public int blocksOrDefault() {
        return blocks != null ? blocks : 2;
    }

    public String optimizerOrDefault() {
        return optimizer != null ? optimizer : "adam";
    }

    public double momentumOrDefault() {
        return momentum != null ? momentum : 0.9;
    }

    public double dropoutOrDefault() {
        return dropout != null ? dropout : 0;
    }

    public boolean batchNormOrDefault() {
        return batchNorm != null && batchNorm;
    }

    public double weightDecayOrDefault() {
        return weightDecay != null ? weightDecay : 0;
    }

    public double initScaleOrDefault() {
        return initScale != null ? initScale : 1;
    }

    public boolean logPriorBias() {
        return "log-prior".equals(biasInit);
    }

    /** Whether any regularising or schedule feature is on: the early recipe stages want none. */
    public boolean hasFancyFeatures() {
        return dropoutOrDefault() > 0 || batchNormOrDefault() || weightDecayOrDefault() > 0
                || (lrSchedule != null && !"constant".equals(lrSchedule));
    }

    /** The learning rate at 1-based {@code step} of {@code steps}, per the schedule. */
    public double learningRateAt(int step, int steps) {
        double base = learningRate;
        if ("step".equals(lrSchedule)) {
            return base * Math.pow(lrStepGamma != null ? lrStepGamma : 0.1, (step - 1) / lrStepEvery);
        }
        if ("cosine".equals(lrSchedule)) {
            return base * 0.5 * (1 + Math.cos(Math.PI * (step - 1) / Math.max(1, steps)));
        }
        return base;
    }

    public ModelConfig withLearningRate(double lr) {
        return new ModelConfig(type, seed, lr, hiddenUnits, channels, blocks, optimizer, momentum, dropout, batchNorm,
                weightDecay, lrSchedule, lrStepEvery, lrStepGamma, biasInit, loss, initScale, dropInputs);
    }

    public ModelConfig withInitScale(double scale) {
        return new ModelConfig(type, seed, learningRate, hiddenUnits, channels, blocks, optimizer, momentum, dropout, batchNorm,
                weightDecay, lrSchedule, lrStepEvery, lrStepGamma, biasInit, loss, scale, dropInputs);
    }
}
