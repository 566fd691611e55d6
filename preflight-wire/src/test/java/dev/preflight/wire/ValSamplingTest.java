package dev.preflight.wire;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class ValSamplingTest {

    @Test
    void theFixedBatchSeedDependsOnlyOnTheRunSeedAndIsNoStepsSeed() {
        assertEquals(ValSampling.fixedSampleSeed(7), ValSampling.fixedSampleSeed(7));
        assertNotEquals(ValSampling.fixedSampleSeed(7), ValSampling.fixedSampleSeed(8));
        for (int step = 0; step <= 10_000; step++) {
            assertNotEquals(ValSampling.fixedSampleSeed(7), ValSampling.sampleSeed(7, step));
        }
    }

    /** Pinned values: eval-service and data-service on different builds must still draw the same samples. */
    @Test
    void theContractIsPinnedBitForBit() {
        int[] pool = IntStream.range(100, 120).toArray();
        int[] picked = ValSampling.indices(pool, ValSampling.sampleSeed(42, 3), 5);
        assertEquals(5, picked.length);
        assertEquals(5, Arrays.stream(picked).distinct().count());
        assertArrayEquals(picked, ValSampling.indices(pool, ValSampling.sampleSeed(42, 3), 5));
        assertArrayEquals(PINNED, picked, "changing the val sampling changes every report's fixed batch: " + Arrays.toString(picked));
        assertArrayEquals(IntStream.range(100, 120).toArray(), pool, "the pool is not modified");
    }

    static final int[] PINNED = {107, 111, 103, 101, 116};
}
