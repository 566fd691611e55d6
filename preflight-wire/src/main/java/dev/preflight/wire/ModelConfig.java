package dev.preflight.wire;

import java.util.List;
import java.util.Set;

/**
 * The model and its optimiser. Every "fancy feature" (dropout, batch norm, weight decay, LR decay) is off unless set:
 * the recipe starts without them ("No fancy features ... at the beginning they complicate everything").
 *
 * @param type         model family: "mlp", "cnn" (small CNN), "resnet" (ResNet-18 stem + first residual blocks),
 *                     "segnet" (tiny encoder-decoder with per-pixel logits), "generator" (encoder-decoder with a
 *                     linear image output of the input's shape: paired image-to-image data, trained as regression)
 * @param seed         weight-initialisation (and dropout) seed
 * @param learningRate base learning rate, >= 0 (0 is accepted: it is a fault the recipe's stages must catch)
 * @param hiddenUnits  widths of the fully connected hidden layers (mlp: the layers; cnn: the dense head); [] = none
 *                     (a linear model); default [64] for mlp and cnn — a first model that can fit any small table
 *                     ("start with a simple model", Niessner 3/n) without anyone having to choose widths
 * @param channels     conv widths (cnn: one conv block each; resnet: [stem width]; segnet: encoder widths;
 *                     generator: full-resolution width, then one stride-2 level per further width);
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
 *                     default l1 for a generator, otherwise from the data: cross-entropy, or l2 when batches carry
 *                     regression targets
 * @param initScale    multiplies every initial kernel weight; default 1. A fault drill: x100 is the "bad init" the
 *                     init-check stage must catch
 * @param dropInputs   fault drill: the network's input is multiplied by 0 before the first layer (data that never
 *                     reaches the net, a wrong tensor fed). The full-data stage must say "ignores its input"
 * @param keras        type "keras" only: the user's Keras model definition as Keras wrote it ({@code model.to_json()}
 *                     or a {@code .keras} archive's {@code config.json}), parsed by {@link dev.preflight.keras.KerasModel};
 *                     {@code dropout}, when set, replaces the rate of every Dropout layer of it
 * @param kerasWeights type "keras" only: a Keras HDF5 weights file ({@code .weights.h5} / {@code .h5}) the trainer
 *                     loads by layer name before the first step: {@code upload:<id>} for one sent to the gateway
 *                     ({@link WeightsUploads}), or a path the trainer can read
 * @param fromLogits   type "keras" only: what the loss expects when the definition carries no compile config: true,
 *                     logits (it applies its own softmax); false, probabilities. Unset: what the output layer gives
 *
 * <p>The named choices are strings on the wire and in the components (so a spec with an unknown value still parses and
 * {@link RunSpec#problems()} lists every problem, see {@link WireEnum}); {@link Type}, {@link Optimizer},
 * {@link Schedule}, {@link BiasInit} and {@link Loss} are their typed view ({@link #modelType()},
 * {@link #optimizerOrDefault()}, ...) and what {@link #builder(Type)} and the {@code with...} methods take.
 */
public record ModelConfig(String type, Long seed, Double learningRate, List<Integer> hiddenUnits, List<Integer> channels,
                          Integer blocks, String optimizer, Double momentum, Double dropout, Boolean batchNorm,
                          Double weightDecay, String lrSchedule, Integer lrStepEvery, Double lrStepGamma, String biasInit,
                          String loss, Double initScale, Boolean dropInputs,
                          com.fasterxml.jackson.databind.JsonNode keras, String kerasWeights, Boolean fromLogits) {

    /** Model family: the zoo's five, or "keras" (the user's own definition in {@link #keras}). */
    public enum Type implements WireEnum { MLP, CNN, RESNET, SEGNET, GENERATOR, KERAS }

    public enum Optimizer implements WireEnum { ADAM, SGD }

    /** Learning-rate schedule. */
    public enum Schedule implements WireEnum { CONSTANT, STEP, COSINE }

    public enum BiasInit implements WireEnum { ZERO, LOG_PRIOR }

    public enum Loss implements WireEnum { CROSS_ENTROPY, L1, L2 }

    /** The allowed wire names, in declaration order. */
    public static final Set<String> TYPES = WireEnum.names(Type.class);
    public static final Set<String> OPTIMIZERS = WireEnum.names(Optimizer.class);
    public static final Set<String> SCHEDULES = WireEnum.names(Schedule.class);
    public static final Set<String> BIAS_INITS = WireEnum.names(BiasInit.class);
    public static final Set<String> LOSSES = WireEnum.names(Loss.class);

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

    /** Every zoo field: the canonical constructor without the Keras import. */
    public ModelConfig(String type, Long seed, Double learningRate, List<Integer> hiddenUnits, List<Integer> channels,
                       Integer blocks, String optimizer, Double momentum, Double dropout, Boolean batchNorm,
                       Double weightDecay, String lrSchedule, Integer lrStepEvery, Double lrStepGamma, String biasInit,
                       String loss, Double initScale, Boolean dropInputs) {
        this(type, seed, learningRate, hiddenUnits, channels, blocks, optimizer, momentum, dropout, batchNorm, weightDecay,
                lrSchedule, lrStepEvery, lrStepGamma, biasInit, loss, initScale, dropInputs, null, null, null);
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
        return toBuilder().dropInputs(true).build();
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
        if (channels != null && channels.isEmpty() && type != null && !Type.MLP.wireName().equals(type)) {
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
        if (Schedule.STEP.wireName().equals(lrSchedule) && (lrStepEvery == null || lrStepEvery < 1)) {
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
        if (Type.KERAS.wireName().equals(type)) {
            if (keras == null || keras.isNull()) {
                problems.add(prefix + "keras (the Keras model definition) is required with type keras");
            } else {
                dev.preflight.keras.KerasModel.problems(keras).forEach(p -> problems.add(prefix + "keras: " + p));
            }
            String upload = WeightsUploads.uploadId(kerasWeights);
            if (upload != null && !WeightsUploads.ID.matcher(upload).matches()) {
                problems.add(prefix + "kerasWeights '" + kerasWeights + "' names no upload: an upload id is w- and 16 hex digits "
                        + "(POST /api/models/weights answers with it)");
            }
            for (String[] f : new String[][]{{"hiddenUnits", str(hiddenUnits)}, {"channels", str(channels)}, {"blocks", str(blocks)},
                    {"batchNorm", str(batchNorm)}}) {
                if (f[1] != null) {
                    problems.add(prefix + f[0] + " is not read with type keras (the definition says it)");
                }
            }
        } else {
            for (String[] f : new String[][]{{"keras", str(keras)}, {"kerasWeights", kerasWeights}, {"fromLogits", str(fromLogits)}}) {
                if (f[1] != null) {
                    problems.add(prefix + f[0] + " is only read with type keras");
                }
            }
        }
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    /** Whether this is the user's imported Keras model rather than a zoo model. */
    public boolean fromKeras() {
        return Type.KERAS.wireName().equals(type);
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

    /** The model family; null when unset. Throws for a name {@link #validate} would reject. */
    public Type modelType() {
        return WireEnum.parse(Type.class, "type", type);
    }

    public List<Integer> hiddenOrDefault() {
        Type t = modelType();
        return hiddenUnits != null ? hiddenUnits : t == Type.CNN || t == Type.MLP ? DEFAULT_HIDDEN : List.of();
    }

    public List<Integer> channelsOrDefault() {
        return channels != null ? channels : modelType() == Type.RESNET ? List.of(16) : List.of(16, 32);
    }

    public int blocksOrDefault() {
        return blocks != null ? blocks : 2;
    }

    public Optimizer optimizerOrDefault() {
        return optimizer != null ? WireEnum.parse(Optimizer.class, "optimizer", optimizer) : Optimizer.ADAM;
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

    public Schedule scheduleOrDefault() {
        return lrSchedule != null ? WireEnum.parse(Schedule.class, "lrSchedule", lrSchedule) : Schedule.CONSTANT;
    }

    public BiasInit biasInitOrDefault() {
        return biasInit != null ? WireEnum.parse(BiasInit.class, "biasInit", biasInit) : BiasInit.ZERO;
    }

    /**
     * The loss, or the default: l1 for a generator (Niessner 12/n: "just do a simple L1 regression first"), l2 for
     * other models when batches carry regression targets, cross-entropy otherwise.
     */
    public Loss lossOrDefault(boolean regression) {
        if (loss != null) {
            return WireEnum.parse(Loss.class, "loss", loss);
        }
        return Type.GENERATOR.wireName().equals(type) ? Loss.L1 : regression ? Loss.L2 : Loss.CROSS_ENTROPY;
    }

    public double initScaleOrDefault() {
        return initScale != null ? initScale : 1;
    }

    public boolean logPriorBias() {
        return biasInitOrDefault() == BiasInit.LOG_PRIOR;
    }

    /** Whether any regularising or schedule feature is on: the early recipe stages want none. */
    public boolean hasFancyFeatures() {
        return dropoutOrDefault() > 0 || batchNormOrDefault() || weightDecayOrDefault() > 0
                || scheduleOrDefault() != Schedule.CONSTANT || fromKeras() && kerasFancyFeatures();
    }

    /** A Keras definition with a Dropout layer above rate 0 (unless {@code dropout} overrides it) or a BatchNormalization layer. */
    private boolean kerasFancyFeatures() {
        try {
            return dev.preflight.keras.KerasModel.parse(keras).layers().stream().anyMatch(l -> l.className().equals("BatchNormalization")
                    || dropout == null && l.className().equals("Dropout") && l.dbl("rate", 0) > 0);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The learning rate at 1-based {@code step} of {@code steps}, per the schedule. */
    public double learningRateAt(int step, int steps) {
        double base = learningRate;
        return switch (scheduleOrDefault()) {
            case STEP -> base * Math.pow(lrStepGamma != null ? lrStepGamma : 0.1, (step - 1) / lrStepEvery);
            case COSINE -> base * 0.5 * (1 + Math.cos(Math.PI * (step - 1) / Math.max(1, steps)));
            case CONSTANT -> base;
        };
    }

    public ModelConfig withLearningRate(double lr) {
        return toBuilder().learningRate(lr).build();
    }

    public ModelConfig withInitScale(double scale) {
        return toBuilder().initScale(scale).build();
    }

    /** The same model with another init (and dropout) seed: a seed band's runs. */
    public ModelConfig withSeed(long newSeed) {
        return toBuilder().seed(newSeed).build();
    }

    /** A builder of a config of this family with every other field unset (the defaults). */
    public static Builder builder(Type type) {
        return new Builder().type(type);
    }

    /** A builder holding every field of this config, to change some. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.type = type;
        b.seed = seed;
        b.learningRate = learningRate;
        b.hiddenUnits = hiddenUnits;
        b.channels = channels;
        b.blocks = blocks;
        b.optimizer = optimizer;
        b.momentum = momentum;
        b.dropout = dropout;
        b.batchNorm = batchNorm;
        b.weightDecay = weightDecay;
        b.lrSchedule = lrSchedule;
        b.lrStepEvery = lrStepEvery;
        b.lrStepGamma = lrStepGamma;
        b.biasInit = biasInit;
        b.loss = loss;
        b.initScale = initScale;
        b.dropInputs = dropInputs;
        b.keras = keras;
        b.kerasWeights = kerasWeights;
        b.fromLogits = fromLogits;
        return b;
    }

    /**
     * Builds a {@link ModelConfig} by field name instead of 18 positional arguments. Null means unset (the default).
     * Named choices are taken as enums; {@link #build()} does not validate (that is {@link RunSpec#problems()}'s job).
     */
    public static final class Builder {
        private String type;
        private Long seed;
        private Double learningRate;
        private List<Integer> hiddenUnits;
        private List<Integer> channels;
        private Integer blocks;
        private String optimizer;
        private Double momentum;
        private Double dropout;
        private Boolean batchNorm;
        private Double weightDecay;
        private String lrSchedule;
        private Integer lrStepEvery;
        private Double lrStepGamma;
        private String biasInit;
        private String loss;
        private Double initScale;
        private Boolean dropInputs;
        private com.fasterxml.jackson.databind.JsonNode keras;
        private String kerasWeights;
        private Boolean fromLogits;

        private Builder() {
        }

        public Builder type(Type value) {
            type = WireEnum.nameOf(value);
            return this;
        }

        public Builder seed(Long value) {
            seed = value;
            return this;
        }

        public Builder learningRate(Double value) {
            learningRate = value;
            return this;
        }

        public Builder hiddenUnits(List<Integer> value) {
            hiddenUnits = value;
            return this;
        }

        public Builder channels(List<Integer> value) {
            channels = value;
            return this;
        }

        public Builder blocks(Integer value) {
            blocks = value;
            return this;
        }

        public Builder optimizer(Optimizer value) {
            optimizer = WireEnum.nameOf(value);
            return this;
        }

        public Builder momentum(Double value) {
            momentum = value;
            return this;
        }

        public Builder dropout(Double value) {
            dropout = value;
            return this;
        }

        public Builder batchNorm(Boolean value) {
            batchNorm = value;
            return this;
        }

        public Builder weightDecay(Double value) {
            weightDecay = value;
            return this;
        }

        /** The schedule; {@code every} and {@code gamma} matter for {@link Schedule#STEP} only (null: unset). */
        public Builder lrSchedule(Schedule value, Integer every, Double gamma) {
            lrSchedule = WireEnum.nameOf(value);
            lrStepEvery = every;
            lrStepGamma = gamma;
            return this;
        }

        public Builder biasInit(BiasInit value) {
            biasInit = WireEnum.nameOf(value);
            return this;
        }

        public Builder loss(Loss value) {
            loss = WireEnum.nameOf(value);
            return this;
        }

        public Builder initScale(Double value) {
            initScale = value;
            return this;
        }

        public Builder dropInputs(Boolean value) {
            dropInputs = value;
            return this;
        }

        /** The Keras definition (type keras). */
        public Builder keras(com.fasterxml.jackson.databind.JsonNode value) {
            keras = value;
            return this;
        }

        public Builder kerasWeights(String value) {
            kerasWeights = value;
            return this;
        }

        public Builder fromLogits(Boolean value) {
            fromLogits = value;
            return this;
        }

        public ModelConfig build() {
            return new ModelConfig(type, seed, learningRate, hiddenUnits, channels, blocks, optimizer, momentum, dropout,
                    batchNorm, weightDecay, lrSchedule, lrStepEvery, lrStepGamma, biasInit, loss, initScale, dropInputs,
                    keras, kerasWeights, fromLogits);
        }
    }
}
