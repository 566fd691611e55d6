package dev.preflight.wire;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataConfigTest {

    private static final String MODEL = "\"model\":{\"type\":\"mlp\",\"seed\":1,\"learningRate\":0.001,\"hiddenUnits\":[8]},\"steps\":5}";

    private static RunSpec spec(String data) {
        return Json.decode("{\"dataset\":\"shapes\",\"data\":" + data + "," + MODEL, RunSpec.class);
    }

    @Test
    void theOriginalFourFieldsStayValidAndMeanNoExtras() {
        RunSpec s = spec("{\"seed\":1,\"subsetSize\":0,\"batchSize\":8,\"valFraction\":0.2}");
        assertEquals(List.of(), s.problems());
        assertNull(s.data().activeAugmentation());
        assertEquals("none", s.data().balanceMode());
        assertEquals(0, s.data().effectiveSubsetSize(100));
        // Unset optional fields are left out of the JSON, so old readers see exactly what they used to.
        assertEquals("{\"seed\":1,\"subsetSize\":0,\"batchSize\":8,\"valFraction\":0.2}",
                new String(Json.encode(s.data()), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void fullConfigRoundTripsAndIsValid() {
        RunSpec s = spec("""
                {"seed":1,"batchSize":8,"valFraction":0.2,"subsetFraction":0.5,"balance":"weights",
                 "augment":{"hflip":true,"vflip":false,"rotationDegrees":15,"translatePixels":2,"noiseStd":0.05,
                            "brightness":0.2,"contrast":0.2}}""");
        assertEquals(List.of(), s.problems());
        assertEquals(s.data(), Json.decode(Json.encode(s.data()), DataConfig.class));
        assertEquals(50, s.data().effectiveSubsetSize(100));
        assertEquals(1, s.data().effectiveSubsetSize(1), "a fraction of a tiny split still keeps one sample");
        assertSame(s.data().augment(), s.data().activeAugmentation());
        assertTrue(s.data().augment().geometric());
    }

    @Test
    void allOffAugmentationIsNoAugmentation() {
        RunSpec s = spec("{\"seed\":1,\"subsetSize\":0,\"batchSize\":8,\"valFraction\":0.2,\"augment\":{\"hflip\":false}}");
        assertEquals(List.of(), s.problems());
        assertNull(s.data().activeAugmentation());
        assertFalse(s.data().augment().any());
    }

    @Test
    void everyBadNewFieldIsNamedWithTheDataPrefix() {
        RunSpec s = spec("""
                {"seed":1,"subsetSize":3,"batchSize":8,"valFraction":0.2,"subsetFraction":1.5,"balance":"oversample",
                 "augment":{"rotationDegrees":200,"translatePixels":-1,"noiseStd":2,"brightness":-0.1,"contrast":"NaN"}}""");
        String all = String.join("\n", s.problems());
        for (String field : List.of("data.subsetFraction must be in (0, 1]", "data.subsetFraction cannot be combined",
                "data.balance 'oversample'", "data.augment.rotationDegrees", "data.augment.translatePixels",
                "data.augment.noiseStd", "data.augment.brightness", "data.augment.contrast")) {
            assertTrue(all.contains(field), "no problem says " + field + " in:\n" + all);
        }
        assertEquals(8, s.problems().size(), all);
    }

    @Test
    void subsetSizeMayBeOmittedOnlyForAFraction() {
        assertTrue(String.join("\n", spec("{\"seed\":1,\"batchSize\":8,\"valFraction\":0.2}").problems())
                .contains("data.subsetSize is required"));
    }

    @Test
    void unknownAugmentationIsAnErrorNamingIt() {
        WireFormatException e = org.junit.jupiter.api.Assertions.assertThrows(WireFormatException.class,
                () -> spec("{\"seed\":1,\"subsetSize\":0,\"batchSize\":8,\"valFraction\":0.2,\"augment\":{\"shear\":3}}"));
        assertTrue(e.getMessage().contains("shear"), e.getMessage());
    }

    @Test
    void withMethodsBuildWhatTheConstructorDoes() {
        Augmentation flip = new Augmentation(true, null, null, null, null, null, null);
        DataFaults faults = new DataFaults(null, null);
        DataConfig plain = new DataConfig(1L, 0, 8, 0.2);
        assertEquals(new DataConfig(1L, 0, 8, 0.2, null, flip, "weights", faults),
                plain.withAugment(flip).withBalance(DataConfig.Balance.WEIGHTS).withFaults(faults));
        assertEquals(new DataConfig(5L, 0, 8, 0.2), plain.withSeed(5));
        assertEquals(DataConfig.Balance.NONE, plain.balanceOrDefault());
        assertEquals(DataConfig.Balance.SAMPLING, plain.withBalance(DataConfig.Balance.SAMPLING).balanceOrDefault());
        assertEquals("{\"seed\":1,\"subsetSize\":0,\"batchSize\":8,\"valFraction\":0.2,\"balance\":\"sampling\"}",
                new String(Json.encode(plain.withBalance(DataConfig.Balance.SAMPLING)), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void resolutionRoundTripsAndABadOneIsNamed() {
        RunSpec s = spec("{\"seed\":1,\"subsetSize\":0,\"batchSize\":8,\"valFraction\":0.2,\"resolution\":[14,12]}");
        assertEquals(List.of(), s.problems());
        assertEquals(List.of(14, 12), s.data().resolution());
        assertEquals("14x12", s.data().resolutionParam());
        assertEquals(s.data(), new DataConfig(1L, 0, 8, 0.2).withResolution(List.of(14, 12)));
        assertNull(new DataConfig(1L, 0, 8, 0.2).resolutionParam());
        assertEquals(16, s.data().withBatchSize(16).batchSize());
        for (String bad : List.of("[14]", "[0,14]", "[14,5000]", "[14,14,3]")) {
            assertEquals(List.of("data.resolution must be [height, width] with each in [1, 4096], was " + bad.replace(",", ", ")),
                    spec("{\"seed\":1,\"subsetSize\":0,\"batchSize\":8,\"valFraction\":0.2,\"resolution\":" + bad + "}").problems());
        }
    }
}
