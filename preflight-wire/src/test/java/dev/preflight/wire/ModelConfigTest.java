package dev.preflight.wire;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {

    /** Every field set, as the services exchange it: the order and spelling of this string is the wire format. */
    static final String FULL = "{\"type\":\"cnn\",\"seed\":7,\"learningRate\":0.01,\"hiddenUnits\":[32],\"channels\":[8,16],"
            + "\"blocks\":2,\"optimizer\":\"sgd\",\"momentum\":0.8,\"dropout\":0.3,\"batchNorm\":true,\"weightDecay\":1.0E-4,"
            + "\"lrSchedule\":\"step\",\"lrStepEvery\":10,\"lrStepGamma\":0.5,\"biasInit\":\"log-prior\",\"loss\":\"cross-entropy\","
            + "\"initScale\":100.0,\"dropInputs\":true}";

    static final ModelConfig FULL_CONFIG = new ModelConfig("cnn", 7L, 0.01, List.of(32), List.of(8, 16), 2, "sgd", 0.8, 0.3, true,
            1e-4, "step", 10, 0.5, "log-prior", "cross-entropy", 100.0, true);

    static String json(Object value) {
        return new String(Json.encode(value), StandardCharsets.UTF_8);
    }

    @Test
    void wireFormatIsUnchanged() {
        assertEquals(FULL, json(FULL_CONFIG));
        assertEquals(FULL_CONFIG, Json.decode(FULL, ModelConfig.class));
        assertEquals("{\"type\":\"mlp\",\"seed\":1,\"learningRate\":0.001,\"hiddenUnits\":[64]}",
                json(new ModelConfig("mlp", 1L, 1e-3, List.of(64))));
    }

    @Test
    void builderAndWithMethodsBuildWhatThePositionalConstructorDoes() {
        ModelConfig built = ModelConfig.builder(ModelConfig.Type.CNN).seed(7L).learningRate(0.01).hiddenUnits(List.of(32))
                .channels(List.of(8, 16)).blocks(2).optimizer(ModelConfig.Optimizer.SGD).momentum(0.8).dropout(0.3)
                .batchNorm(true).weightDecay(1e-4).lrSchedule(ModelConfig.Schedule.STEP, 10, 0.5)
                .biasInit(ModelConfig.BiasInit.LOG_PRIOR).loss(ModelConfig.Loss.CROSS_ENTROPY).initScale(100.0)
                .dropInputs(true).build();
        assertEquals(FULL_CONFIG, built);
        assertEquals(FULL_CONFIG, FULL_CONFIG.toBuilder().build());
        ModelConfig plain = new ModelConfig("mlp", 1L, 1e-3, List.of(64));
        assertEquals(plain, ModelConfig.builder(ModelConfig.Type.MLP).seed(1L).learningRate(1e-3).hiddenUnits(List.of(64)).build());
        assertEquals(new ModelConfig("mlp", 9L, 1e-3, List.of(64)), plain.withSeed(9));
        assertEquals(new ModelConfig("mlp", 1L, 0.5, List.of(64)), plain.withLearningRate(0.5));
        assertEquals(new ModelConfig("mlp", 1L, 1e-3, List.of(64), null, null, null, null, null, null, null, null, null, null,
                null, null, 100.0, true), plain.withInitScale(100).withDroppedInputs());
    }

    @Test
    void enumsAreTheLowercaseWireNames() {
        assertEquals(List.of("mlp", "cnn", "resnet", "segnet", "generator", "keras"), List.copyOf(ModelConfig.TYPES));
        assertEquals(List.of("cross-entropy", "l1", "l2"), List.copyOf(ModelConfig.LOSSES));
        assertEquals("\"log-prior\"", json(ModelConfig.BiasInit.LOG_PRIOR));
        assertEquals(ModelConfig.Type.SEGNET, Json.decode("\"segnet\"", ModelConfig.Type.class));
        assertEquals(ModelConfig.Schedule.COSINE, WireEnum.parse(ModelConfig.Schedule.class, "lrSchedule", "cosine"));
        assertNull(WireEnum.parse(ModelConfig.Optimizer.class, "optimizer", null), "unset stays unset");
        assertEquals(List.of("none", "weights", "sampling"), List.of(DataConfig.BALANCE_NONE, DataConfig.BALANCE_WEIGHTS,
                DataConfig.BALANCE_SAMPLING));
        assertEquals(List.copyOf(DataConfig.BALANCES), List.of(DataConfig.BALANCE_NONE, DataConfig.BALANCE_WEIGHTS,
                DataConfig.BALANCE_SAMPLING));
    }

    @Test
    void typedViewsAndTheirDefaults() {
        assertEquals(ModelConfig.Type.RESNET, new ModelConfig("resnet", 1L, 1e-3, null).modelType());
        assertEquals(ModelConfig.Optimizer.ADAM, FULL_CONFIG.withSeed(1).toBuilder().optimizer(null).build().optimizerOrDefault());
        assertEquals(ModelConfig.Optimizer.SGD, FULL_CONFIG.optimizerOrDefault());
        ModelConfig plain = new ModelConfig("mlp", 1L, 1e-3, null);
        assertEquals(ModelConfig.Schedule.CONSTANT, plain.scheduleOrDefault());
        assertEquals(ModelConfig.BiasInit.ZERO, plain.biasInitOrDefault());
        assertEquals(ModelConfig.Loss.L2, plain.lossOrDefault(true));
        assertEquals(ModelConfig.Loss.CROSS_ENTROPY, plain.lossOrDefault(false));
        // A generator's default is the recipe's "simple L1 regression first"; a loss it names still wins.
        assertEquals(ModelConfig.Loss.L1, new ModelConfig("generator", 1L, 1e-3, null).lossOrDefault(true));
        assertEquals(ModelConfig.Loss.L2, ModelConfig.builder(ModelConfig.Type.GENERATOR).seed(1L).learningRate(1e-3)
                .loss(ModelConfig.Loss.L2).build().lossOrDefault(true));
        assertTrue(FULL_CONFIG.logPriorBias());
        assertEquals(0.005, FULL_CONFIG.learningRateAt(11, 100), 1e-12);
    }

    @Test
    void anUnknownNameIsAnErrorNamingTheFieldAndTheAllowedValues() {
        assertEquals("optimizer 'adamw' is unknown, expected one of [adam, sgd]",
                assertThrows(IllegalArgumentException.class, () -> WireEnum.parse(ModelConfig.Optimizer.class, "optimizer", "adamw"))
                        .getMessage());
        assertEquals("type 'transformer' is unknown, expected one of [mlp, cnn, resnet, segnet, generator, keras]",
                assertThrows(IllegalArgumentException.class, () -> new ModelConfig("transformer", 1L, 1e-3, null).modelType())
                        .getMessage());
        // In a spec, an unknown name still parses, so every problem is reported at once with its field's path.
        RunSpec spec = Json.decode(RunSpecTest.VALID.replace("\"mlp\"", "\"transformer\"")
                .replace("\"hiddenUnits\"", "\"optimizer\":\"adamw\",\"lrSchedule\":\"linear\",\"hiddenUnits\""), RunSpec.class);
        assertEquals(List.of("model.type 'transformer' is unknown, expected one of [mlp, cnn, resnet, segnet, generator, keras]",
                "model.optimizer 'adamw' is unknown, expected one of [adam, sgd]",
                "model.lrSchedule 'linear' is unknown, expected one of [constant, step, cosine]"), spec.problems());
    }
}
