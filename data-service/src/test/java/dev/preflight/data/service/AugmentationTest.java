package dev.preflight.data.service;

import dev.preflight.wire.ValSampling;
import dev.preflight.data.model.Dataset;
import dev.preflight.wire.Augmentation;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DataConfig;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AugmentationTest {

    private static final Dataset SHAPES = ShapesGenerator.generate(7, 400);
    private static final Dataset SEG = ShapesGenerator.generateSegmentation(7, 400);
    private static final int SIDE = 28;

    private static Augmentation only(Boolean hflip, Double rotation, Integer translate, Double noise) {
        return new Augmentation(hflip, null, rotation, translate, noise, null, null);
    }

    private static DataConfig config(Augmentation a) {
        return new DataConfig(3L, 0, 32, 0.2, null, a, null);
    }

    private static byte[] sampleOf(byte[] data, int j, int size) {
        return Arrays.copyOfRange(data, j * size, (j + 1) * size);
    }

    private static byte[] mirror(byte[] img) {
        byte[] out = new byte[img.length];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                out[y * SIDE + x] = img[y * SIDE + SIDE - 1 - x];
            }
        }
        return out;
    }

    @Test
    void sameSeedAndBatchIndexGiveTheSameAugmentedBytes() {
        Augmentation all = new Augmentation(true, true, 15.0, 2, 0.05, 0.2, 0.2);
        TrainBatches a = TrainBatches.forRun(SHAPES, config(all));
        TrainBatches b = TrainBatches.forRun(SHAPES, config(all));
        for (long i = 7; i >= 0; i--) {
            assertArrayEquals(BatchCodec.encode(a.batch(i)), BatchCodec.encode(b.batch(i)), "batch " + i);
        }
        TrainBatches otherSeed = TrainBatches.forRun(SHAPES, new DataConfig(4L, 0, 32, 0.2, null, all, null));
        assertFalse(Arrays.equals(a.batch(0).data(), otherSeed.batch(0).data()));
    }

    @Test
    void augmentationChangesTrainBytesButNotWhichSamplesOrLabels() {
        TrainBatches plain = TrainBatches.forRun(SHAPES, config(null));
        TrainBatches noisy = TrainBatches.forRun(SHAPES, config(only(null, null, null, 0.1)));
        Batch p = plain.batch(3);
        Batch n = noisy.batch(3);
        assertArrayEquals(p.labels(), n.labels());
        for (int j = 0; j < p.size(); j++) {
            assertFalse(Arrays.equals(sampleOf(p.data(), j, 784), sampleOf(n.data(), j, 784)), "sample " + j + " unchanged");
        }
    }

    @Test
    void allOffAugmentationLeavesSamplesAsStored() {
        Batch b = TrainBatches.forRun(SHAPES, config(new Augmentation(false, false, 0.0, 0, 0.0, 0.0, 0.0))).batch(2);
        TrainBatches order = TrainBatches.forRun(SHAPES, config(null));
        for (int j = 0; j < b.size(); j++) {
            assertArrayEquals(SHAPES.sample(order.sampleAt(2L * 32 + j)), sampleOf(b.data(), j, 784));
        }
    }

    @Test
    void hflipMirrorsAboutHalfTheSamplesExactly() {
        TrainBatches plain = TrainBatches.forRun(SHAPES, config(null));
        Batch b = TrainBatches.forRun(SHAPES, config(only(true, null, null, null))).batch(0);
        int mirrored = 0;
        for (int j = 0; j < b.size(); j++) {
            byte[] stored = SHAPES.sample(plain.sampleAt(j));
            byte[] got = sampleOf(b.data(), j, 784);
            boolean same = Arrays.equals(stored, got);
            boolean flipped = Arrays.equals(mirror(stored), got);
            assertTrue(same || flipped, "sample " + j + " is neither the original nor its mirror");
            mirrored += flipped && !same ? 1 : 0;
        }
        assertTrue(mirrored > 4 && mirrored < 28, "mirrored " + mirrored + " of 32");
    }

    @Test
    void geometricAugmentationMovesTheMaskWithTheImage() {
        TrainBatches plain = TrainBatches.forRun(SEG, config(null));
        Batch b = TrainBatches.forRun(SEG, config(only(true, null, 3, null))).batch(1);
        assertEquals(32 * 784, b.masks().length);
        int moved = 0;
        for (int j = 0; j < b.size(); j++) {
            int sample = plain.sampleAt(32 + j);
            byte[] img = SEG.sample(sample);
            byte[] mask = SEG.mask(sample);
            byte[] gotImg = sampleOf(b.data(), j, 784);
            byte[] gotMask = sampleOf(b.masks(), j, 784);
            // Find the flip and shift that explain the image; the mask must have had exactly the same one.
            boolean explained = false;
            for (int f = 0; f < 2 && !explained; f++) {
                byte[] srcImg = f == 1 ? mirror(img) : img;
                byte[] srcMask = f == 1 ? mirror(mask) : mask;
                for (int dy = -3; dy <= 3 && !explained; dy++) {
                    for (int dx = -3; dx <= 3 && !explained; dx++) {
                        if (Arrays.equals(shift(srcImg, dx, dy), gotImg)) {
                            assertArrayEquals(shift(srcMask, dx, dy), gotMask, "mask of sample " + j);
                            explained = true;
                            moved += f == 1 || dx != 0 || dy != 0 ? 1 : 0;
                        }
                    }
                }
            }
            assertTrue(explained, "sample " + j + " is not a flipped/shifted original");
        }
        assertTrue(moved > 16, "only " + moved + " of 32 samples moved");
    }

    private static byte[] shift(byte[] img, int dx, int dy) {
        byte[] out = new byte[img.length];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                int sx = x - dx;
                int sy = y - dy;
                out[y * SIDE + x] = sx < 0 || sy < 0 || sx >= SIDE || sy >= SIDE ? 0 : img[sy * SIDE + sx];
            }
        }
        return out;
    }

    @Test
    void rotationKeepsMaskValuesValidClassIds() {
        Batch b = TrainBatches.forRun(SEG, config(only(null, 30.0, null, null))).batch(0);
        TrainBatches plain = TrainBatches.forRun(SEG, config(null));
        boolean changed = false;
        for (int j = 0; j < b.size(); j++) {
            byte[] gotMask = sampleOf(b.masks(), j, 784);
            byte[] stored = SEG.mask(plain.sampleAt(j));
            changed |= !Arrays.equals(gotMask, stored);
            for (byte v : gotMask) {
                // Nearest neighbour: only ids the stored mask had (or background at the border).
                boolean known = v == 0;
                for (byte s : stored) {
                    known |= s == v;
                }
                assertTrue(known, "mask value " + v + " is not in the stored mask");
            }
        }
        assertTrue(changed);
        BatchCodec.decode(BatchCodec.encode(b));
    }

    @Test
    void geometricAugmentationOfTabularDataIsRefusedNamingTheField() {
        Dataset spirals = SpiralsGenerator.generate(1, 60, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainBatches.forRun(spirals, config(only(true, null, null, null))));
        assertTrue(e.getMessage().contains("data.augment"), e.getMessage());
        // Noise applies to features in their own units.
        Batch noisy = TrainBatches.forRun(spirals, new DataConfig(3L, 0, 8, 0.2, null, only(null, null, null, 0.1), null)).batch(0);
        Batch plain = TrainBatches.forRun(spirals, new DataConfig(3L, 0, 8, 0.2)).batch(0);
        assertFalse(Arrays.equals(noisy.data(), plain.data()));
    }

    @Test
    void valBatchesAreTheStoredBytesWhateverTheRunAugments() {
        // ValBatches.build takes a dataset and indices only: an augmenting run's val batch is the stored data.
        int[] val = Splits.stratified(SEG, 3, 0.2).val();
        Batch v = ValBatches.build(SEG, ValSampling.indices(val, 1, 16));
        int[] picked = ValSampling.indices(val, 1, 16);
        for (int j = 0; j < picked.length; j++) {
            assertArrayEquals(SEG.sample(picked[j]), sampleOf(v.data(), j, 784));
            assertArrayEquals(SEG.mask(picked[j]), sampleOf(v.masks(), j, 784));
        }
        assertEquals(null, v.classCounts());
        assertEquals(null, v.classWeights());
    }
}
