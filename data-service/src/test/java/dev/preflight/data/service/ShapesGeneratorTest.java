package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapesGeneratorTest {

    @Test
    void sameSeedGivesIdenticalBytes() {
        Dataset a = ShapesGenerator.generate(7, 200);
        Dataset b = ShapesGenerator.generate(7, 200);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.sample(i), b.sample(i), "sample " + i);
            assertEquals(a.label(i), b.label(i));
        }
    }

    @Test
    void differentSeedGivesDifferentImages() {
        Dataset a = ShapesGenerator.generate(7, 40);
        Dataset b = ShapesGenerator.generate(8, 40);
        int differing = 0;
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.sample(i), b.sample(i))) {
                differing++;
            }
        }
        assertEquals(a.size(), differing, "every image should change with the seed");
    }

    @Test
    void sampleDependsOnlyOnSeedAndIndex() {
        Dataset small = ShapesGenerator.generate(7, 50);
        Dataset large = ShapesGenerator.generate(7, 400);
        for (int i = 0; i < small.size(); i++) {
            assertArrayEquals(small.sample(i), large.sample(i), "sample " + i + " must not depend on the sample count");
        }
    }

    @Test
    void classesAreBalancedAndShapeIsMnistLike() {
        Dataset d = ShapesGenerator.generate(7, 400);
        assertArrayEquals(new int[]{100, 100, 100, 100}, d.classHistogram());
        assertArrayEquals(new int[]{28, 28, 1}, d.sampleShape());
        assertEquals(4, d.numClasses());
        assertEquals(784, d.sampleSize());
    }

    @Test
    void everyImageHasAVisibleShapeAndImagesAreDistinct() {
        Dataset d = ShapesGenerator.generate(7, 400);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < d.size(); i++) {
            byte[] px = d.sample(i);
            int bright = 0;
            for (byte p : px) {
                if ((p & 0xFF) > 100) {
                    bright++;
                }
            }
            // Noise alone never exceeds 16; the smallest shape (a thin ring or plus) covers well over 10 pixels.
            assertTrue(bright >= 10, "sample " + i + " (class " + d.label(i) + ") has only " + bright + " bright pixels");
            assertTrue(seen.add(Arrays.toString(px)), "sample " + i + " duplicates an earlier one");
        }
    }

    @Test
    void pinnedOutputGuardsReproducibilityAcrossVersions() {
        // A split or batch order is only reproducible if the images are; a change here means every recorded run
        // would now see different data. Update the constant only for a deliberate generator change.
        Dataset d = ShapesGenerator.generate(7, 8);
        int hash = 1;
        for (int i = 0; i < d.size(); i++) {
            hash = 31 * hash + Arrays.hashCode(d.sample(i));
        }
        assertEquals(PINNED_HASH, hash);
    }

    private static final int PINNED_HASH = -238957746;

    @Test
    void tooFewSamplesIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ShapesGenerator.generate(7, 7));
    }
}
