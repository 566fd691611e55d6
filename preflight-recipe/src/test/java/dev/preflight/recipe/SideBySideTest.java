package dev.preflight.recipe;

import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;
import dev.preflight.wire.ValStep;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The fixed-batch picture of l1-regression: input | first output | last output | target, each pixel where it belongs. */
class SideBySideTest {

    static ValStep step(int step, double[] outputs, double[] targets) {
        Double[] o = java.util.Arrays.stream(outputs).boxed().toArray(Double[]::new);
        Double[] t = java.util.Arrays.stream(targets).boxed().toArray(Double[]::new);
        return new ValStep("r", step, 0.1, 0, 2, "REGRESSION", null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, 0.1, null, null, o, t);
    }

    @Test
    void columnsHoldInputOutputsAndTargetAndAnotherBatchDrawsNothing() throws Exception {
        // Two 2x2 gray samples; sample 0's pixel 0: input 100, first output 0.2, last output 0.6, target 0.8.
        byte[] inputs = {100, 0, 0, 0, 0, 0, 0, 0};
        float[] targets = {0.8f, 0, 0, 0, 0, 0, 0, 0};
        Batch fixed = new Batch(0, 0, DType.UINT8, new int[]{2, 2, 1}, 1, new int[2], inputs, null, targets, 4, null, null);
        double[] t = {0.800000011920929, 0, 0, 0, 0, 0, 0, 0};
        List<ValStep> steps = List.of(step(0, new double[]{0.2, 0, 0, 0, 0, 0, 0, 0}, t), step(10, new double[]{0.6, 0, 0, 0, 0, 0, 0, 0}, t));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(SideBySide.png(fixed, steps)));
        int scale = 32; // 64 px tiles for 2 px images
        int gap = 4;
        assertEquals(4 * 2 * scale + 5 * gap, img.getWidth());
        assertEquals(2 * 2 * scale + 3 * gap, img.getHeight(), "one row per sample");
        int[] expected = {100, Math.round(0.2f * 255), Math.round(0.6f * 255), Math.round(0.8f * 255)};
        for (int col = 0; col < 4; col++) {
            int x = gap + col * (2 * scale + gap) + 1;
            assertEquals(expected[col], img.getRGB(x, gap + 1) & 0xFF, "column " + col);
        }
        double[] other = {0.5, 0, 0, 0, 0, 0, 0, 0};
        assertNull(SideBySide.png(fixed, List.of(step(10, other, other))), "targets of another batch: no picture");
    }
}
