package dev.preflight.recipe;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.keras.KerasModel;
import dev.preflight.wire.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every model-check rule: a definition that must FAIL (or WARN) and its corrected twin that must PASS. */
class ModelCheckTest {

    static final ModelCheck.Thresholds T = ModelCheck.Thresholds.DEFAULT;

    static String layer(String cls, String name, String config, String... inbound) {
        String nodes = inbound.length == 0 ? "[]"
                : "[[" + Arrays.stream(inbound).map(i -> "[\"" + i + "\", 0, 0, {}]").collect(Collectors.joining(", ")) + "]]";
        return "{\"class_name\": \"" + cls + "\", \"config\": {\"name\": \"" + name + "\"" + (config.isEmpty() ? "" : ", " + config)
                + "}, \"inbound_nodes\": " + nodes + "}";
    }

    /** in [8, 8, 1] -> conv(relu) -> flatten -> hidden dense -> ... -> out; the layers between given. */
    static String model(String loss, String... middle) {
        String[] layers = new String[3 + middle.length];
        layers[0] = layer("InputLayer", "in", "\"batch_input_shape\": [null, 8, 8, 1]");
        layers[1] = layer("Conv2D", "conv", "\"filters\": 4, \"kernel_size\": 3, \"padding\": \"same\", \"activation\": \"relu\"", "in");
        layers[2] = layer("Flatten", "flat", "", "conv");
        System.arraycopy(middle, 0, layers, 3, middle.length);
        String output = middle[middle.length - 1].replaceAll("(?s).*?\"name\": \"([^\"]+)\".*", "$1");
        return "{\"class_name\": \"Functional\", \"config\": {\"layers\": [" + String.join(", ", layers)
                + "], \"input_layers\": [[\"in\", 0, 0]], \"output_layers\": [[\"" + output + "\", 0, 0]]}"
                + (loss == null ? "" : ", \"compile_config\": {\"loss\": " + loss + "}") + "}";
    }

    static String dense(String name, int units, String activation, String in) {
        return layer("Dense", name, "\"units\": " + units + ", \"activation\": \"" + activation + "\"", in);
    }

    static final String FROM_LOGITS = "{\"class_name\": \"SparseCategoricalCrossentropy\", \"config\": {\"from_logits\": true}}";
    static final String PROBABILITIES = "\"sparse_categorical_crossentropy\"";

    static StageResult judge(String json) {
        return judge(json, config(json));
    }

    static ModelConfig config(String json) {
        try {
            return ModelConfig.builder(ModelConfig.Type.KERAS).seed(1L).learningRate(1e-3).keras(new ObjectMapper().readTree(json)).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static StageResult judge(String json, ModelConfig c) {
        return ModelCheck.judge(KerasModel.parse(json), c, 10, null, T);
    }

    static void passes(String json) {
        StageResult r = judge(json);
        assertEquals(Verdict.PASS, r.verdict(), r.findings().toString());
    }

    static void flags(Verdict v, String json, String... phrases) {
        StageResult r = judge(json);
        assertEquals(v, r.verdict(), r.findings().toString());
        for (String p : phrases) {
            assertTrue(r.findings().stream().anyMatch(f -> f.contains(p)), "no finding says '" + p + "': " + r.findings());
        }
    }

    @Test
    void softmaxTwiceFailsAndItsTwinPasses() {
        flags(Verdict.FAIL, model(FROM_LOGITS, dense("hidden", 16, "relu", "flat"), dense("out", 10, "softmax", "hidden")),
                "layer 'out' (Dense) outputs softmax probabilities", "from_logits=True");
        passes(model(FROM_LOGITS, dense("hidden", 16, "relu", "flat"), dense("out", 10, "linear", "hidden")));
        flags(Verdict.FAIL, model(PROBABILITIES, dense("hidden", 16, "relu", "flat"), dense("out", 10, "softmax", "hidden"),
                layer("Softmax", "again", "", "out")), "layer 'again' (Softmax) applies a softmax");
        passes(model(PROBABILITIES, dense("hidden", 16, "relu", "flat"), dense("out", 10, "linear", "hidden"), layer("Softmax", "probs", "", "out")));
    }

    @Test
    void logitsFedAsProbabilitiesFailAndTheTwinPasses() {
        flags(Verdict.FAIL, model(PROBABILITIES, dense("hidden", 16, "relu", "flat"), dense("out", 10, "linear", "hidden")),
                "layer 'out' (Dense) outputs logits (linear)", "expects probabilities");
        passes(model(PROBABILITIES, dense("hidden", 16, "relu", "flat"), dense("out", 10, "softmax", "hidden")));
    }

    @Test
    void outputUnitsOtherThanTheClassCountFail() {
        flags(Verdict.FAIL, model(null, dense("hidden", 16, "relu", "flat"), dense("out", 9, "softmax", "hidden")),
                "has 9 output units, the dataset has 10 classes");
        passes(model(null, dense("hidden", 16, "relu", "flat"), dense("out", 10, "softmax", "hidden")));
    }

    @Test
    void aFrozenLayerFailsWithoutPretrainedWeightsAndWarnsWithThem() {
        String frozen = model(null, dense("hidden", 16, "relu", "flat").replace("\"units\"", "\"trainable\": false, \"units\""),
                dense("out", 10, "softmax", "hidden"));
        flags(Verdict.FAIL, frozen, "layer 'hidden' (Dense) is not trainable", "random weights never train");
        StageResult pretrained = judge(frozen, config(frozen).toBuilder().kerasWeights("w.weights.h5").build());
        assertEquals(Verdict.WARN, pretrained.verdict());
        passes(frozen.replace("\"trainable\": false, ", ""));
    }

    @Test
    void aLinearStackWarnsAndANonLinearityBetweenPasses() {
        flags(Verdict.WARN, model(null, dense("hidden", 16, "linear", "flat"), layer("Dropout", "d", "\"rate\": 0.1", "hidden"),
                dense("out", 10, "softmax", "d")), "layers 'hidden' (Dense) and 'out' (Dense) have no non-linearity between them");
        passes(model(null, dense("hidden", 16, "linear", "flat"), layer("ReLU", "r", "", "hidden"), dense("out", 10, "softmax", "r")));
    }

    @Test
    void fancyFeaturesWarn() {
        flags(Verdict.WARN, model(null, dense("hidden", 16, "relu", "flat"), layer("Dropout", "d", "\"rate\": 0.6", "hidden"),
                dense("out", 10, "softmax", "d")), "layer 'd' (Dropout) drops 0.60 > 0.50");
        passes(model(null, dense("hidden", 16, "relu", "flat"), layer("Dropout", "d", "\"rate\": 0.3", "hidden"), dense("out", 10, "softmax", "d")));
        flags(Verdict.WARN, model(null, dense("hidden", 16, "relu", "flat"), layer("BatchNormalization", "bn", "", "hidden"),
                dense("out", 10, "softmax", "bn")), "layer 'bn' (BatchNormalization) is batch norm");
        String plain = model(null, dense("hidden", 16, "relu", "flat"), dense("out", 10, "softmax", "hidden"));
        String schedule = plain.substring(0, plain.length() - 1) + ", \"compile_config\": {\"optimizer\": {\"class_name\": \"Adam\", "
                + "\"config\": {\"learning_rate\": {\"class_name\": \"ExponentialDecay\", \"config\": {}}}}}}";
        flags(Verdict.WARN, schedule, "learning-rate schedule");
        passes(schedule.replace("{\"class_name\": \"ExponentialDecay\", \"config\": {}}", "0.001"));
        StageResult runSchedule = judge(model(null, dense("out", 10, "softmax", "flat")), config(model(null, dense("out", 10, "softmax", "flat")))
                .toBuilder().lrSchedule(ModelConfig.Schedule.COSINE, null, null).build());
        assertEquals(Verdict.WARN, runSchedule.verdict());
    }

    @Test
    void moreThanAMillionParametersWarn() {
        flags(Verdict.WARN, model(null, dense("hidden", 4000, "relu", "flat"), dense("out", 10, "softmax", "hidden")),
                "parameters > 1,000,000");
        passes(model(null, dense("hidden", 400, "relu", "flat"), dense("out", 10, "softmax", "hidden")));
    }

    @Test
    void aFinalLayerInitialisedTooLargeWarnsOrFails() {
        String big = model(null, dense("hidden", 128, "relu", "flat"), layer("Dense", "out", "\"units\": 10, \"activation\": \"softmax\", "
                + "\"kernel_initializer\": {\"class_name\": \"RandomNormal\", \"config\": {\"stddev\": 1.0}}", "hidden"));
        flags(Verdict.FAIL, big, "layer 'out' (Dense): its kernel initialiser predicts a loss at init");
        flags(Verdict.WARN, big.replace("\"stddev\": 1.0", "\"stddev\": 0.3"), "initialise the final layer smaller");
        passes(big.replace("\"stddev\": 1.0", "\"stddev\": 0.01"));
    }

    @Test
    void aZooModelPassesWithANoteUnlessItsOptionsSwitchFancyFeaturesOn() {
        ModelConfig cnn = ModelConfig.builder(ModelConfig.Type.CNN).seed(1L).learningRate(1e-3).build();
        StageResult r = ModelCheck.judge(null, cnn, 10, null, T);
        assertEquals(Verdict.PASS, r.verdict());
        assertTrue(r.summary().startsWith("zoo model 'cnn'"), r.summary());
        assertEquals(Verdict.WARN, ModelCheck.judge(null, cnn.toBuilder().dropout(0.7).build(), 10, null, T).verdict());
    }

    @Test
    void initCheckDoesNotNameSoftmaxTwiceAsACauseBecauseLossAtInitCannotShowIt() {
        StageResult r = InitCheck.judge("run-1", 40.0, 10, Double.NaN, InitCheck.Thresholds.DEFAULT);
        assertEquals(Verdict.FAIL, r.verdict());
        assertTrue(!r.summary().contains("softmax"), r.summary());
    }
}
