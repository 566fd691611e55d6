package dev.preflight.recipe;

import dev.preflight.wire.TrainStep;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-layer numbers of report.json, from hand-computed steps. */
class LayerReportTest {

    static TrainStep step(int s, double convRatio, double convGrad, double frozenRatio) {
        Map<String, Double> ratios = new LinkedHashMap<>();
        ratios.put("conv2d/kernel", convRatio);
        ratios.put("head/kernel", frozenRatio);
        Map<String, Double> grads = new LinkedHashMap<>();
        grads.put("conv2d/kernel", convGrad);
        grads.put("head/kernel", 0.0);
        return new TrainStep("r", s, 1.0, 0.01, 0, 0.01, 8, 1e-3, 1.0, ratios, 1.0, grads);
    }

    @Test
    void meansLastValuesAndTheTensorsThatNeverMoved() {
        LayerReport r = LayerReport.of("full-data", "r", List.of(step(1, 1e-3, 2.0, 0), step(2, 3e-3, 4.0, 0), step(3, 2e-3, 0.5, 0)));
        assertEquals(3, r.steps());
        LayerReport.Param conv = r.params().get(0);
        assertEquals("conv2d", conv.layer());
        assertEquals(2e-3, conv.updateRatioMedian(), 1e-15);
        assertEquals(2e-3, conv.updateRatioLast(), 0);
        assertEquals(6.5 / 3, conv.gradNormMean(), 1e-12);
        assertEquals(0.5, conv.gradNormLast(), 0);
        assertTrue(conv.moved());
        assertEquals(List.of("head/kernel"), r.neverMoved());
    }

    @Test
    void aZeroInitialisedTensorsHugeFirstRatioDoesNotDominateItsSummary() {
        // A bias starting at 0: step 1's ratio is |update| / 1e-12; afterwards about 1e-4 (seen in a real report: mean 1e7).
        LayerReport r = LayerReport.of("full-data", "r", List.of(step(1, 1e7, 1, 0), step(2, 1e-4, 1, 0), step(3, 2e-4, 1, 0),
                step(4, 3e-4, 1, 0)));
        assertEquals(2.5e-4, r.params().get(0).updateRatioMedian(), 1e-15); // median of 1e-4, 2e-4, 3e-4, 1e7
    }

    @Test
    void aTensorThatMovedOnceIsNotListedAndStepsWithoutRatiosGiveNoReport() {
        LayerReport r = LayerReport.of("full-data", "r", List.of(step(1, 1e-3, 1, 0), step(2, 1e-3, 1, 1e-6)));
        assertEquals(List.of(), r.neverMoved());
        assertNull(LayerReport.of("full-data", "r", List.of(new TrainStep("r", 1, 1.0, 0.01, 0, 0.01, 8))));
        LayerReport old = LayerReport.of("s", "r", List.of(new TrainStep("r", 1, 1.0, 0.01, 0, 0.01, 8, 1e-3, 1.0, Map.of("a/kernel", 1e-3), 1.0)));
        assertTrue(Double.isNaN(old.params().get(0).gradNormMean()), "no per-tensor gradient norms published: not measured");
    }
}
