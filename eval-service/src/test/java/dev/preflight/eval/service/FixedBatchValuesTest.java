package dev.preflight.eval.service;

import dev.preflight.nn.Model;
import dev.preflight.nn.Task;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;
import dev.preflight.wire.Json;
import dev.preflight.wire.ValStep;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Image regression (paired data) on the fixed val batch: values recorded while they fit a val-metrics record, loss always. */
class FixedBatchValuesTest {

    static ValStep fixed(int side, int channels) {
        int n = 16;
        int dim = side * side * channels;
        Batch b = new Batch(0, 0, DType.UINT8, new int[]{side, side, channels}, 1, new int[n], new byte[n * dim], null,
                new float[n * dim], dim, null, null);
        float[] outputs = new float[n * dim];
        java.util.Arrays.fill(outputs, 0.123456789f);
        return Evaluator.withFixedBatch(new ValStep("r", 10, 0.1, 0, n), Task.REGRESSION, b, new Model.Evaluation(0.05f, new int[0], outputs));
    }

    @Test
    void grayShapesKeepTheirValuesUnderTheRecordLimitAndLargerImagesOnlyTheirLoss() {
        ValStep gray = fixed(28, 1);
        assertEquals(16 * 28 * 28, gray.fixedBatchOutputs().length);
        int bytes = Json.encode(gray).length;
        assertTrue(bytes < 1_000_000, "a val-metrics record: " + bytes + " bytes");
        ValStep rgb = fixed(28, 3);
        assertNull(rgb.fixedBatchOutputs());
        assertNull(rgb.fixedBatchTargets());
        assertEquals(0.05, rgb.fixedBatchLoss(), 1e-7);
    }
}
