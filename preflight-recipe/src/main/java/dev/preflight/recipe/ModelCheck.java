package dev.preflight.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.keras.KerasException;
import dev.preflight.keras.KerasInit;
import dev.preflight.keras.KerasLayer;
import dev.preflight.keras.KerasModel;
import dev.preflight.ladder.StageContext;
import dev.preflight.wire.ModelConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recipe stage "model check": reads the user's model definition (an imported Keras model, {@code type: keras}) without
 * training it and names the layer behind each of Karpathy's silent model bugs, before init-check spends a run.
 *
 * <p>Rules, each with its verdict and source:
 * <ul>
 *   <li><b>softmax twice</b> (FAIL): a softmax or sigmoid output with a loss that applies its own softmax
 *       ({@code from_logits=True}), or two softmaxes in a row. Karpathy 2, "verify loss at init" / "overfit one
 *       batch": a doubly squashed output cannot reach zero loss (10 classes: the floor is −ln(e/(e+9)) ≈ 1.46), yet
 *       its loss at init is still near ln C, so init-check cannot see it;</li>
 *   <li><b>logits fed as probabilities</b> (FAIL): a linear (or non-softmax) output with a loss that expects
 *       probabilities ({@code from_logits=False});</li>
 *   <li><b>output units</b> (FAIL): the output's last dimension is not the dataset's class count (regression: its
 *       target width). Karpathy 2, "verify loss at init": −ln(1/C) assumes C outputs;</li>
 *   <li><b>non-trainable layer</b> (FAIL without pretrained weights: random weights that never train; WARN with them):
 *       a layer with {@code trainable: false}. Karpathy 3, "complexity only one at a time" — freezing is a later,
 *       deliberate step; early on every layer must be able to overfit one batch;</li>
 *   <li><b>linear stack</b> (WARN): two layers with weights with no non-linearity between them (only reshapes,
 *       dropout, average pooling, batch norm): together they are one linear map. A WARN, not a FAIL, because linear
 *       bottlenecks (MobileNetV2) are deliberate;</li>
 *   <li><b>no fancy features</b> (WARN): a Dropout rate above {@link Thresholds#maxDropout()}, a BatchNormalization
 *       layer, or a learning-rate schedule (the compiled optimiser's or the run's). Niessner 4/n: "No fancy
 *       features: disable dropout, no batchnorm, no learning rate decay";</li>
 *   <li><b>start simple</b> (WARN): more than {@link Thresholds#maxParameters()} parameters. Niessner 3/n: "use a
 *       small architecture (less than 1 mio params)";</li>
 *   <li><b>final-layer init</b> (WARN / FAIL): the last layer's kernel initialiser predicts a loss at init far from
 *       −ln(1/C). Karpathy 2, "init well. Initialize the final layer weights correctly". With unit-variance inputs the
 *       logits have variance s² = fan_in · Var(w), and the expected softmax cross-entropy is ≈ ln C + s²(1 − 1/C)/2;
 *       its relative distance from ln C beyond {@link Thresholds#initWarnRelative()} WARNs, beyond
 *       {@link Thresholds#initFailRelative()} FAILs.</li>
 * </ul>
 * A zoo model (mlp, cnn, resnet, segnet, generator) has no user definition: Preflight's own architectures are held to these rules
 * by its tests, so the stage PASSes with that note, after the one rule that reads a run option (fancy features on).
 */
public final class ModelCheck extends RecipeStage<ModelCheck.Thresholds> {

    public static final String NAME = "model-check";

    /**
     * @param maxDropout       a Dropout rate above this WARNs; default 0.5 (issue 15; Niessner 4/n "disable dropout" —
     *                         above 0.5 a layer drops more than it keeps)
     * @param maxParameters    more parameters WARN; default 1 000 000 (Niessner 3/n "less than 1 mio params")
     * @param initWarnRelative predicted loss at init this far from ln C (relative) WARNs; default 1.0. The prediction
     *                         assumes unit-variance inputs to the last layer, which overestimates (Keras' default
     *                         Glorot head on 32-64 ReLU units predicts ~0.5 and measures ~0.01), hence a wide margin
     * @param initFailRelative this far FAILs; default 3.0 (a N(0, 1) kernel on 128 inputs predicts ~25x; the x100
     *                         bad-init drill lands at ~10^4)
     */
    public record Thresholds(double maxDropout, long maxParameters, double initWarnRelative, double initFailRelative) {
        public static final Thresholds DEFAULT = new Thresholds(0.5, 1_000_000, 1.0, 3.0);
    }

    /** The recipe line this stage checks. */
    public static final String RECIPE_LINE = "Init well; verify loss at init; overfit one batch; start simple, no fancy features (Karpathy 2, Niessner 3-4/n)";

    /** With {@link Thresholds#DEFAULT}. */
    public ModelCheck() {
        this(Thresholds.DEFAULT);
    }

    public ModelCheck(Thresholds thresholds) {
        super(NAME, RECIPE_LINE, thresholds);
    }

    @Override
    public StageResult climb(StageContext ctx) {
        ModelConfig m = ctx.options().model();
        if (!m.fromKeras()) {
            return judge(null, m, ctx.classes(), null, thresholds());
        }
        JsonNode stats = ctx.stats();
        int[] shape = null;
        if (stats.path("sampleShape").isArray()) {
            shape = new int[stats.path("sampleShape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = stats.path("sampleShape").get(i).asInt();
            }
        }
        return judge(KerasModel.parse(m.keras()), m, ctx.classes(), shape, thresholds());
    }

    /**
     * @param model       the parsed definition; null for a zoo model
     * @param config      the run's model config (learning-rate schedule, dropout override, pretrained weights)
     * @param numClasses  the dataset's classes (regression: target width)
     * @param sampleShape the data's sample shape (used when the definition declares no input shape); may be null
     */
    public static StageResult judge(KerasModel model, ModelConfig config, int numClasses, int[] sampleShape, Thresholds t) {
        Evidence ev = new Evidence().put("classes", numClasses);
        List<String> fails = new ArrayList<>();
        List<String> warns = new ArrayList<>();
        if (config.scheduleOrDefault() != ModelConfig.Schedule.CONSTANT) {
            warns.add("the run uses learning-rate schedule '" + config.lrSchedule() + "': no fancy features early (Niessner 4/n)");
        }
        if (model == null) {
            if (config.dropoutOrDefault() > t.maxDropout()) {
                warns.add(String.format("dropout %.2f is above %.2f: no fancy features early (Niessner 4/n)", config.dropoutOrDefault(), t.maxDropout()));
            }
            if (config.batchNormOrDefault()) {
                warns.add("batch norm is on: no fancy features early (Niessner 4/n)");
            }
            return verdict(fails, warns, ev, "zoo model '" + config.type() + "': Preflight's own architecture, held to these rules by "
                    + "its tests; nothing of the user's to check");
        }
        KerasModel.Inferred shapes;
        try {
            shapes = model.infer(model.declaredInputShape() == null ? sampleShape : null);
        } catch (KerasException e) {
            fails.add(e.getMessage());
            return verdict(fails, warns, ev, "");
        }
        long params = shapes.totalParameters();
        ev.put("parameters", params).put("layers", model.layers().size());
        KerasLayer out = model.outputLayer();
        String outName = "layer '" + out.name() + "' (" + out.className() + ")";
        List<String> acts = model.outputActivations();
        boolean probabilities = !acts.isEmpty() && (acts.get(0).equals("softmax") || acts.get(0).equals("sigmoid"));
        boolean classification = model.loss() == null || model.loss().classification();
        // softmax twice / logits as probabilities
        if (acts.size() >= 2 && acts.get(0).equals("softmax") && (acts.get(1).equals("softmax") || acts.get(1).equals("sigmoid"))) {
            fails.add(outName + " applies a softmax to an output that is already " + acts.get(1) + ": softmax twice cannot reach zero "
                    + "loss (the output layer's own activation and the next layer both squash)");
        } else if (model.loss() != null && classification) {
            if (probabilities && model.loss().fromLogits()) {
                fails.add(outName + " outputs " + acts.get(0) + " probabilities but the loss (" + model.loss().source()
                        + ") applies its own softmax (from_logits=True): softmax twice cannot reach zero loss; drop the "
                        + "output activation or set from_logits=False");
            } else if (!probabilities && !model.loss().fromLogits()) {
                fails.add(outName + " outputs " + (acts.isEmpty() ? "logits (linear)" : acts.get(0) + " values")
                        + " but the loss (" + model.loss().source() + ") expects probabilities (from_logits=False): set "
                        + "from_logits=True or end with a softmax");
            }
        } else if (config.fromLogits() != null && classification) {
            if (probabilities && config.fromLogits()) {
                fails.add(outName + " outputs " + acts.get(0) + " probabilities but the run says fromLogits=true: softmax twice");
            } else if (!probabilities && !config.fromLogits()) {
                fails.add(outName + " outputs logits but the run says fromLogits=false: logits fed as probabilities");
            }
        }
        // output units
        long[] o = shapes.output();
        if (o[o.length - 1] != numClasses) {
            fails.add(outName + " has " + o[o.length - 1] + " output units, the dataset has " + numClasses + " classes");
        }
        // non-trainable layers
        for (KerasLayer l : model.layers()) {
            if (!l.trainable() && shapes.frozen().getOrDefault(l.name(), 0L) > 0 && !l.className().equals("InputLayer")) {
                String line = "layer '" + l.name() + "' (" + l.className() + ") is not trainable (trainable: false)";
                if (config.kerasWeights() == null) {
                    fails.add(line + " and no pretrained weights are loaded: its random weights never train");
                } else {
                    warns.add(line + ": early stages should train every layer (Karpathy 3: complexity only one at a time)");
                }
            }
        }
        // linear stacks
        for (KerasLayer l : model.layers()) {
            if (KerasModel.hasKernel(l) && l.activation().equals("linear")) {
                KerasLayer next = linearSuccessor(model, l);
                if (next != null) {
                    warns.add("layers '" + l.name() + "' (" + l.className() + ") and '" + next.name() + "' (" + next.className()
                            + ") have no non-linearity between them: together they are one linear layer");
                }
            }
        }
        // fancy features
        long bn = 0;
        for (KerasLayer l : model.layers()) {
            if (l.className().equals("Dropout")) {
                double rate = config.dropout() != null ? config.dropout() : l.dbl("rate", 0);
                if (rate > t.maxDropout()) {
                    warns.add(String.format("layer '%s' (Dropout) drops %.2f > %.2f: no fancy features early (Niessner 4/n)", l.name(), rate, t.maxDropout()));
                }
            }
            if (l.className().equals("BatchNormalization")) {
                bn++;
                if (bn == 1) {
                    warns.add("layer '" + l.name() + "' (BatchNormalization) is batch norm: no fancy features early (Niessner 4/n)");
                }
            }
        }
        ev.put("batch_norm_layers", bn);
        if (model.lrSchedule()) {
            warns.add("the compiled optimiser has a learning-rate schedule: no fancy features early (Preflight trains with its own "
                    + "optimiser; the schedule is not imported)");
        }
        if (params > t.maxParameters()) {
            warns.add(String.format("%,d parameters > %,d: start simple with a small architecture (Niessner 3/n)", params, t.maxParameters()));
        }
        // final-layer init
        KerasLayer last = model.finalWeightedLayer();
        if (last != null && classification && numClasses >= 2 && (probabilities || acts.isEmpty())) {
            double relative = predictedInitRelative(model, last, shapes, numClasses);
            ev.put("predicted_init_loss_relative", relative);
            String line = String.format("layer '%s' (%s): its kernel initialiser predicts a loss at init %.0f %% off -ln(1/%d) "
                    + "(logit variance %.2f): initialise the final layer smaller (Karpathy 2: init well)", last.name(), last.className(),
                    100 * relative, numClasses, 2 * relative * Math.log(numClasses) / (1 - 1.0 / numClasses));
            if (relative > t.initFailRelative()) {
                fails.add(line);
            } else if (relative > t.initWarnRelative()) {
                warns.add(line);
            }
        }
        return verdict(fails, warns, ev, "");
    }

    /** (E[CE] - ln C) / ln C for logits of variance fan_in * Var(w) (unit-variance inputs): s^2 (1 - 1/C) / 2 / ln C. */
    static double predictedInitRelative(KerasModel model, KerasLayer last, KerasModel.Inferred shapes, int c) {
        long[] in = shapes.shapes().get(last.inbound().get(0));
        String key = last.className().equals("SeparableConv2D") ? "pointwise_initializer"
                : last.className().equals("DepthwiseConv2D") ? "depthwise_initializer" : "kernel_initializer";
        KerasInit init = last.init(key, KerasInit.GLOROT_UNIFORM);
        long[] out = shapes.shapes().get(last.name());
        double receptive = 1;
        if (Set.of("Conv2D", "Conv2DTranspose", "DepthwiseConv2D").contains(last.className())) {
            int[] k = last.pair("kernel_size", 1);
            receptive = (double) k[0] * k[1];
        }
        double fanIn = in[in.length - 1] * receptive;
        double fanOut = out[out.length - 1] * receptive;
        double var = switch (init.kind()) {
            case ZEROS, ONES, CONSTANT -> 0;
            case RANDOM_UNIFORM -> Math.pow(init.maxval() - init.minval(), 2) / 12 + Math.pow((init.maxval() + init.minval()) / 2, 2);
            case RANDOM_NORMAL, TRUNCATED_NORMAL -> init.stddev() * init.stddev() + init.mean() * init.mean();
            case VARIANCE_SCALING -> init.scale() / Math.max(1, init.fan(fanIn, fanOut));
        };
        double s2 = fanIn * var;
        return s2 * (1 - 1.0 / c) / 2 / Math.log(c);
    }

    /** The next layer with weights reached from {@code l} through linear layers only; null when a non-linearity comes first. */
    private static KerasLayer linearSuccessor(KerasModel model, KerasLayer l) {
        Set<String> linear = Set.of("Flatten", "Reshape", "Dropout", "ZeroPadding2D", "AveragePooling2D", "GlobalAveragePooling2D",
                "BatchNormalization", "Rescaling", "UpSampling2D");
        KerasLayer cur = l;
        while (true) {
            String name = cur.name();
            List<KerasLayer> readers = model.layers().stream().filter(x -> x.inbound().contains(name)).toList();
            if (readers.size() != 1) {
                return null;
            }
            KerasLayer r = readers.get(0);
            if (KerasModel.hasKernel(r)) {
                return r;
            }
            boolean passes = linear.contains(r.className()) || r.className().equals("Activation") && r.activation().equals("linear");
            if (!passes) {
                return null;
            }
            cur = r;
        }
    }

    private static StageResult verdict(List<String> fails, List<String> warns, Evidence ev, String passNote) {
        ev.put("problems", fails.size()).put("warnings", warns.size());
        List<String> findings = new ArrayList<>(fails);
        findings.addAll(warns);
        Verdict v = !fails.isEmpty() ? Verdict.FAIL : !warns.isEmpty() ? Verdict.WARN : Verdict.PASS;
        String summary = switch (v) {
            case FAIL -> fails.get(0) + (findings.size() > 1 ? " (and " + (findings.size() - 1) + " more)" : "");
            case WARN -> warns.get(0) + (warns.size() > 1 ? " (and " + (warns.size() - 1) + " more)" : "");
            case PASS -> passNote.isEmpty() ? "the model definition shows none of the silent bugs model-check knows" : passNote;
        };
        return new StageResult(NAME, v, ev.map(), summary, List.of(), findings);
    }
}
