package dev.preflight.eval;

import dev.preflight.wire.Json;
import dev.preflight.wire.ValStep;
import dev.preflight.wire.WireFormatException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The eval-service writes ValSteps and the gateway reads them with the same record: both directions must agree. */
class ValStepJsonTest {

    static final String OLD = "{\"runId\":\"r-1\",\"step\":3,\"valLoss\":0.5,\"valAccuracy\":0.25,\"batchSize\":64}";

    @Test
    void everyFieldSurvivesARoundTripAndUndefinedValuesAreNullNotNaN() {
        ValStep full = new ValStep("r-1", 10, 0.75, 0.5, 8, "CLASSIFICATION",
                0.4, 0.45, 0.42, new Double[]{0.5, null, 0.0}, new Double[]{1.0, null, 0.0}, new Double[]{2.0 / 3, null, 0.0},
                new int[][]{{2, 0, 0}, {0, 0, 0}, {1, 0, 0}}, 0.6, 0.3, new Double[]{0.6, null, 0.0}, 1.25, 1.5,
                1.386, 0.25, 0.9, new int[]{0, 0, 2}, new int[]{0, 2, 2}, new Double[]{1.5, null}, new Double[]{1.0, 2.0});
        byte[] json = Json.encode(full);
        String text = new String(json, StandardCharsets.UTF_8);
        assertFalse(text.contains("NaN"), text);
        assertTrue(text.contains("\"perClassF1\":[0.6666666666666666,null,0.0]"), text);
        assertTrue(text.contains("\"confusion\":[[2,0,0],[0,0,0],[1,0,0]]"), text);
        ValStep back = ValStep.decode(json);
        assertEquals(full, back);
        assertEquals(full.hashCode(), back.hashCode());
        assertNotEquals(full, ValStep.decode(text.replace("\"fixedBatchLabels\":[0,2,2]", "\"fixedBatchLabels\":[0,2,1]")
                .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aDivergedLossStillRoundTrips() {
        ValStep diverged = new ValStep("r-1", 4, Double.NaN, 0.25, 8);
        assertEquals(diverged, ValStep.decode(Json.encode(diverged)));
    }

    @Test
    void aValStepWithoutTheNewFieldsReadsAndWritesAsBefore() {
        ValStep old = ValStep.decode(OLD.getBytes(StandardCharsets.UTF_8));
        assertEquals(new ValStep("r-1", 3, 0.5, 0.25, 64), old);
        assertNull(old.task());
        assertNull(old.macroF1());
        assertNull(old.confusion());
        assertEquals(OLD, new String(Json.encode(old), StandardCharsets.UTF_8), "absent fields are left out, not written as null");
    }

    @Test
    void stepZeroIsTheInitialWeightsAndNegativeStepsOrUnknownFieldsAreRejected() {
        assertEquals(0, ValStep.decode(OLD.replace("\"step\":3", "\"step\":0").getBytes(StandardCharsets.UTF_8)).step());
        assertThrows(WireFormatException.class, () -> ValStep.decode(OLD.replace("\"step\":3", "\"step\":-1").getBytes(StandardCharsets.UTF_8)));
        assertThrows(WireFormatException.class, () -> ValStep.decode(OLD.replace("\"runId\":\"r-1\",", "").getBytes(StandardCharsets.UTF_8)));
        assertThrows(WireFormatException.class, () -> ValStep.decode(OLD.replace("}", ",\"macroF2\":0.5}").getBytes(StandardCharsets.UTF_8)));
    }
}
