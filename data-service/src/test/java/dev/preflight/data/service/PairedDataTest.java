package dev.preflight.data.service;

import dev.preflight.data.load.DataRoot;
import dev.preflight.data.load.LoadException;
import dev.preflight.data.load.PairedLoader;
import dev.preflight.data.load.Registration;
import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.DatasetStats;
import dev.preflight.data.store.SampleStore;
import dev.preflight.wire.Augmentation;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DataConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Paired (image-to-image) data: the loader on folders Pillow wrote ({@code src/test/resources/paired/make_pairs.py},
 * checked in), its refusals, the stats data-check judges, the built-in shapes-paired, batches carrying targets as the
 * wire's regression targets, and the sample store keeping targets apart from masks.
 */
class PairedDataTest {

    /** The fixtures' folder: the data root of these tests. */
    static final DataRoot ROOT = root();

    private static DataRoot root() {
        try {
            return new DataRoot(Path.of(PairedDataTest.class.getResource("/paired/make_pairs.py").toURI()).getParent());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Registration paired(String path, int side, int channels) {
        return new Registration("p", "paired", path, null, null, null, null, null, List.of(side, side, channels), null,
                null, null, null, null, null, null, null, null, null, null);
    }

    /** Pillow's levels: a square of 200 at x, y in 2..5, the input with (x * 7 + y * 13) % 41 added. */
    @Test
    void pillowPairsLoadWithTheirTargetsAsWritten() {
        Dataset d = PairedLoader.load("p", ROOT.resolve("good"), paired("good", 8, 1), ROOT);
        assertTrue(d.isPaired());
        assertEquals(4, d.size());
        assertEquals(List.of("good/inputs/a.png", "good/inputs/b.png", "good/inputs/c.png", "good/inputs/d.png"),
                List.of(d.source(0), d.source(1), d.source(2), d.source(3)));
        assertEquals(List.of("good/inputs/notes.txt"), d.ignored().stream().map(s -> s.file()).toList());
        byte[] input = d.sample(0);
        byte[] target = d.target(0);
        assertEquals(0, target[0]);
        assertEquals(200, target[3 * 8 + 3] & 0xFF);
        assertEquals(200 + (3 * 7 + 3 * 13) % 41, input[3 * 8 + 3] & 0xFF);
        assertEquals((7 * 7 + 7 * 13) % 41, input[7 * 8 + 7] & 0xFF);
        assertArrayEquals(target, d.target(2), "the gray+alpha target (Pillow mode LA) loads as its gray levels");
        assertArrayEquals(d.sample(3), d.target(3));
    }

    @Test
    void everyBrokenPairIsNamedInOneRefusal() {
        LoadException e = assertThrows(LoadException.class,
                () -> PairedLoader.load("p", ROOT.resolve("broken"), paired("broken", 8, 1), ROOT));
        String m = e.getMessage();
        assertTrue(m.contains("1 input(s) without a target of the same name in broken/targets: broken/inputs/e.png"), m);
        assertTrue(m.contains("1 target(s) without an input of the same name in broken/inputs: broken/targets/f.png"), m);
        assertTrue(m.contains("broken/inputs/b.png is 8x8 gray, broken/targets/b.png is 10x8 gray"), m);
        assertTrue(m.contains("broken/inputs/c.png is 8x8 gray, broken/targets/c.png is 8x8 colour"), m);
        assertTrue(m.contains("1 unreadable image(s): broken/targets/d.png (truncated PNG"), m);
        assertFalse(m.contains("broken/inputs/a.png"), "the one good pair is not blamed: " + m);
    }

    @Test
    void aMissingFolderOrShapeIsRefused() {
        assertTrue(assertThrows(LoadException.class, () -> PairedLoader.load("p", ROOT.resolve("good"),
                new Registration("p", "paired", "good", null, null, null, null, null, null, null), ROOT))
                .getMessage().contains("imageShape [h, w, c] is required"));
        Registration otherTargets = new Registration("p", "paired", "good", null, null, null, null, null, List.of(8, 8, 1), null,
                null, null, null, null, null, null, null, null, null, "clean");
        assertTrue(assertThrows(LoadException.class, () -> PairedLoader.load("p", ROOT.resolve("good"), otherTargets, ROOT))
                .getMessage().contains("needs an input folder and a target folder (good/inputs, good/clean)"));
    }

    @Test
    void statsGiveRangesIdenticalPairsAndBaselines() {
        Dataset d = PairedLoader.load("p", ROOT.resolve("good"), paired("good", 8, 1), ROOT);
        DatasetStats s = new StatsService().stats(d, 1L, 0.5);
        DatasetStats.Paired p = s.paired();
        assertNotNull(p);
        assertEquals(List.of(), s.labelProblems(), "one 'class' is the paired convention, not a label problem");
        assertEquals(4, p.pairs());
        assertEquals(0.0, p.inputMin(), 1e-9);
        assertEquals(Math.min(255, 200 + 40) / 255.0, p.inputMax(), 1e-6, "the largest ripple on the square");
        assertEquals(0.0, p.targetMin(), 1e-9);
        assertEquals(200 / 255.0, p.targetMax(), 1e-6);
        assertEquals(16 * 200 / 64.0 / 255, p.targetMean(), 1e-6, "16 of 64 pixels at 200");
        assertEquals(1, p.identicalPairs());
        assertEquals(List.of("good/inputs/d.png"), p.identicalExamples());
        assertEquals(0, p.flatTargets());
        // Every target is the same square: the mean target image is exact, the identity output is off by the ripple
        // (or by nothing, for d, when d is on the val side).
        assertEquals(0.0, p.valMeanTargetL1(), 1e-9);
        assertTrue(p.valIdentityL1() >= 0 && p.valIdentityL1() < 41 / 255.0, String.valueOf(p.valIdentityL1()));
        double l1 = (16 * Math.abs(200 - 50.0) + 48 * 50.0) / 64 / 255;
        assertEquals(l1, p.trainConstantL1(), 1e-6, "predicting the mean level 50 everywhere");
    }

    @Test
    void shapesPairedIsDeterministicAndNeitherBaselineSolvesIt() {
        Dataset a = ShapesGenerator.generatePaired(7, 200);
        Dataset b = ShapesGenerator.generatePaired(7, 200);
        assertEquals(ShapesGenerator.PAIRED_NAME, a.name());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.sample(i), b.sample(i));
            assertArrayEquals(a.target(i), b.target(i));
        }
        // The clean targets are the shapes of "shapes" without its pixel noise: same covered pixels.
        Dataset seg = ShapesGenerator.generateSegmentation(7, 200);
        byte[] mask = seg.mask(5);
        byte[] target = a.target(5);
        for (int p = 0; p < mask.length; p++) {
            assertEquals(mask[p] != 0, target[p] != 0, "pixel " + p);
        }
        DatasetStats.Paired p = new StatsService().stats(a, 42L, 0.2).paired();
        System.out.printf("shapes-paired (200): identity L1 %.4f, mean target image L1 %.4f, constant L1 %.4f, target mean %.4f%n",
                p.valIdentityL1(), p.valMeanTargetL1(), p.trainConstantL1(), p.targetMean());
        assertEquals(0, p.identicalPairs());
        assertTrue(p.valIdentityL1() > 0.05, "the noise is visible to L1: " + p.valIdentityL1());
        assertTrue(p.valMeanTargetL1() > 0.05, "the shapes move: " + p.valMeanTargetL1());
        assertTrue(p.targetStd() > 0);
    }

    @Test
    void batchesCarryTargetsAsRegressionValuesInUnitRange() {
        Dataset d = ShapesGenerator.generatePaired(7, 64);
        TrainBatches batches = TrainBatches.forRun(d, new DataConfig(3L, 0, 8, 0.25));
        Batch b = batches.batch(2);
        int dim = ShapesGenerator.SIDE * ShapesGenerator.SIDE;
        assertEquals(dim, b.targetDim());
        assertEquals(8 * dim, b.targets().length);
        int sample = batches.sampleAt(2L * 8 + 5);
        byte[] stored = d.target(sample);
        for (int k = 0; k < dim; k++) {
            assertEquals((stored[k] & 0xFF) / 255f, b.targets()[5 * dim + k], 1e-7f);
        }
        assertArrayEquals(d.sample(sample), Arrays.copyOfRange(b.data(), 5 * dim, 6 * dim));
        Batch val = ValBatches.build(d, new int[]{4, 9});
        assertEquals((d.target(9)[dim / 2] & 0xFF) / 255f, val.targets()[dim + dim / 2], 1e-7f);

        IllegalArgumentException augment = assertThrows(IllegalArgumentException.class, () -> new TrainBatches(d, d.allIndices(), 1L, 8,
                new Augmentation(true, null, null, null, null, null, null), DataConfig.BALANCE_NONE));
        assertTrue(augment.getMessage().contains("not supported on paired"), augment.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TrainBatches(d, d.allIndices(), 1L, 8, null, DataConfig.BALANCE_SAMPLING));
    }

    @Test
    void theStoreKeepsTargetsApartFromMasks(@TempDir Path dir) {
        SampleStore store = new SampleStore(dir);
        Dataset written;
        try (SampleStore.Writer w = store.create("p.pfs")) {
            written = w.commit(PairedLoader.load("p", ROOT.resolve("good"), paired("good", 8, 1), ROOT, w), "fp");
        }
        Dataset read = store.open("p.pfs", "fp").orElseThrow();
        assertTrue(read.isPaired());
        assertFalse(read.isSegmentation());
        for (int i = 0; i < written.size(); i++) {
            assertArrayEquals(written.target(i), read.target(i));
            assertArrayEquals(written.sample(i), read.sample(i));
        }
    }
}
