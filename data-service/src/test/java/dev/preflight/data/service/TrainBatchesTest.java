package dev.preflight.data.service;

import dev.preflight.data.model.Dataset;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DType;
import dev.preflight.wire.DataConfig;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainBatchesTest {

    private static final Dataset DATA = ShapesGenerator.generate(7, 400);

    @Test
    void twoProducersOfTheSameSpecWriteIdenticalBytes() {
        DataConfig config = new DataConfig(11L, 50, 16, 0.2);
        TrainBatches a = TrainBatches.forRun(DATA, config);
        TrainBatches b = TrainBatches.forRun(DATA, config);
        // 50 samples in batches of 16: 10 batches span 4 epochs, several straddling a boundary.
        for (long i = 0; i < 10; i++) {
            assertArrayEquals(BatchCodec.encode(a.batch(i)), BatchCodec.encode(b.batch(i)), "batch " + i);
        }
    }

    @Test
    void batchesCanBeRebuiltOutOfOrder() {
        // A resumed stream starts mid-run; batch i must not depend on which batches were built before it.
        DataConfig config = new DataConfig(11L, 50, 16, 0.2);
        TrainBatches forward = TrainBatches.forRun(DATA, config);
        Batch[] inOrder = new Batch[10];
        for (int i = 0; i < 10; i++) {
            inOrder[i] = forward.batch(i);
        }
        TrainBatches backward = TrainBatches.forRun(DATA, config);
        for (int i = 9; i >= 0; i--) {
            assertEquals(inOrder[i], backward.batch(i), "batch " + i);
        }
    }

    @Test
    void aContinuedRunsStreamCarriesItsSourcesNextBatchesUnderItsOwnOffsets() {
        TrainBatches t = TrainBatches.forRun(DATA, new DataConfig(11L, 50, 16, 0.2));
        for (long offset = 0; offset < 5; offset++) {
            Batch continued = t.streamBatch(7, offset);
            Batch source = t.batch(7 + offset);
            assertEquals(offset, continued.index());
            assertEquals(source.epoch(), continued.epoch());
            assertArrayEquals(source.labels(), continued.labels());
            assertArrayEquals(source.data(), continued.data());
        }
        assertEquals(t.batch(3), t.streamBatch(0, 3), "a run that continues nothing streams its own positions");
    }

    @Test
    void eachEpochIsAFreshPermutationOfTheSubset() {
        TrainBatches t = TrainBatches.forRun(DATA, new DataConfig(11L, 50, 16, 0.2));
        int[] e0 = t.epochOrder(0);
        int[] e1 = t.epochOrder(1);
        assertFalse(Arrays.equals(e0, e1), "epochs must be reshuffled");
        int[] s0 = e0.clone();
        int[] s1 = e1.clone();
        Arrays.sort(s0);
        Arrays.sort(s1);
        assertArrayEquals(s0, s1, "every epoch visits the same subset");
        assertEquals(50, Arrays.stream(s0).distinct().count());
    }

    @Test
    void batchesFollowTheEpochOrderAndStraddleBoundaries() {
        TrainBatches t = TrainBatches.forRun(DATA, new DataConfig(11L, 50, 16, 0.2));
        int[] stream = new int[64];
        System.arraycopy(t.epochOrder(0), 0, stream, 0, 50);
        System.arraycopy(t.epochOrder(1), 0, stream, 50, 14);
        for (int i = 0; i < 4; i++) {
            Batch b = t.batch(i);
            assertEquals(i, b.index());
            assertEquals(16 * i / 50, b.epoch(), "epoch of the batch's first sample");
            for (int j = 0; j < 16; j++) {
                int sample = stream[16 * i + j];
                assertEquals(DATA.label(sample), b.labels()[j]);
                assertArrayEquals(DATA.sample(sample), Arrays.copyOfRange(b.data(), j * 784, (j + 1) * 784),
                        "batch " + i + " sample " + j);
            }
        }
        assertEquals(0, t.batch(3).epoch(), "batch 3 starts in epoch 0 (sample 48) and ends in epoch 1");
    }

    @Test
    void subsetOfOneTrainsOnOneSampleInBatchesOfOne() {
        TrainBatches t = TrainBatches.forRun(DATA, new DataConfig(3L, 1, 32, 0.2));
        assertEquals(1, t.batchSize(), "batch size is capped at the subset size");
        Batch first = t.batch(0);
        for (int i = 0; i < 5; i++) {
            Batch b = t.batch(i);
            assertEquals(1, b.size());
            assertEquals(i, b.epoch(), "every batch is a whole epoch");
            assertArrayEquals(first.data(), b.data());
            assertArrayEquals(first.labels(), b.labels());
        }
        assertEquals(DType.UINT8, first.dtype());
        assertArrayEquals(new int[]{28, 28, 1}, first.sampleShape());
        assertEquals(4, first.numClasses());
    }

    @Test
    void wholeTrainSplitWhenSubsetIsZero() {
        TrainBatches t = TrainBatches.forRun(DATA, new DataConfig(3L, 0, 32, 0.2));
        assertEquals(320, t.subsetSize());
        assertEquals(32, t.batchSize());
    }

    @Test
    void trainNeverSeesValSamples() {
        DataConfig config = new DataConfig(3L, 0, 32, 0.25);
        int[] val = Splits.stratified(DATA, 3L, 0.25).val();
        int[] order = TrainBatches.forRun(DATA, config).epochOrder(0);
        for (int sample : order) {
            assertTrue(Arrays.binarySearch(val, sample) < 0, "val sample " + sample + " is in the train stream");
        }
    }

    @Test
    void subsetLargerThanTrainIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> TrainBatches.forRun(DATA, new DataConfig(3L, 1000, 32, 0.2)));
    }
}
