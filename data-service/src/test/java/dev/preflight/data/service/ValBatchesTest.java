package dev.preflight.data.service;

import dev.preflight.wire.ValSampling;
import dev.preflight.data.model.Dataset;
import dev.preflight.wire.Batch;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValBatchesTest {

    private static final Dataset DATA = ShapesGenerator.generate(7, 400);

    @Test
    void sampleIsDistinctDeterministicAndFromVal() {
        int[] val = Splits.stratified(DATA, 42, 0.2).val();
        int[] a = ValSampling.indices(val, 9, 30);
        assertArrayEquals(a, ValSampling.indices(val, 9, 30));
        assertFalse(Arrays.equals(a, ValSampling.indices(val, 10, 30)));
        assertEquals(30, Arrays.stream(a).distinct().count());
        for (int i : a) {
            assertTrue(Arrays.binarySearch(val, i) >= 0);
        }
    }

    @Test
    void sizeIsCappedAtTheValSplit() {
        int[] val = Splits.stratified(DATA, 42, 0.2).val();
        int[] all = ValSampling.indices(val, 9, 5000);
        assertEquals(val.length, all.length);
        int[] sorted = all.clone();
        Arrays.sort(sorted);
        assertArrayEquals(val, sorted);
    }

    @Test
    void buildCopiesStoredBytesVerbatim() {
        int[] indices = {3, 17, 200};
        Batch b = ValBatches.build(DATA, indices);
        assertEquals(0, b.index());
        assertEquals(0, b.epoch());
        for (int j = 0; j < indices.length; j++) {
            assertEquals(DATA.label(indices[j]), b.labels()[j]);
            assertArrayEquals(DATA.sample(indices[j]), Arrays.copyOfRange(b.data(), j * 784, (j + 1) * 784));
        }
    }
}
