package dev.preflight.data.service;

import dev.preflight.wire.SeededRandom;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.DatasetStats;
import dev.preflight.data.model.Split;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;
import dev.preflight.wire.DataConfig;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What data-check stands on: Preflight's own split cannot leak, a given split is used and checked, label spaces
 * that are not 0..C-1 are diagnosed with their likely cause, and tabular features are scaled with train statistics
 * only.
 */
class DataFactsTest {

    private final StatsService stats = new StatsService();

    /** A float32 table: {@code rows[i]} are the features of sample i. */
    private static Dataset table(float[][] rows, int[] labels, int classes, Dataset.FeatureScaling scaling) {
        ByteBuffer b = ByteBuffer.allocate(rows.length * rows[0].length * 4);
        for (float[] r : rows) {
            for (float v : r) {
                b.putFloat(v);
            }
        }
        List<String> names = new ArrayList<>();
        for (int f = 0; f < rows[0].length; f++) {
            names.add("f" + f);
        }
        List<String> sources = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            sources.add("t.csv:" + (i + 2));
        }
        return new Dataset("t", new int[]{rows[0].length}, DType.FLOAT32, classes, labels, b.array(), null, null, List.of())
                .withFeatureNames(names).withSources(sources).withFeatureScaling(scaling);
    }

    /** Like the UCI wine files: 6 classes at 68:1 with many rows repeated 2-4 times. */
    private static Dataset wineLike() {
        int[] perClass = {10, 53, 681, 638, 199, 18};
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        java.util.Random r = new java.util.Random(3);
        for (int c = 0; c < perClass.length; c++) {
            for (int i = 0; i < perClass[c]; ) {
                float[] row = {c + (float) r.nextGaussian(), r.nextFloat() * 1e5f, r.nextFloat() * 1e-3f};
                int copies = r.nextInt(6) == 0 ? 2 + r.nextInt(3) : 1;
                for (int k = 0; k < copies && i < perClass[c]; k++, i++) {
                    rows.add(row);
                    labels.add(c);
                }
            }
        }
        return table(rows.toArray(new float[0][]), labels.stream().mapToInt(Integer::intValue).toArray(), 6,
                Dataset.FeatureScaling.STANDARDIZE);
    }

    @Test
    void ownSplitKeepsRepeatedRowsOnOneSideAndStaysStratified() {
        Dataset d = wineLike();
        int[] groups = d.contentGroups();
        for (long seed = 1; seed <= 10; seed++) {
            Split s = Splits.forRun(d, seed, 0.2);
            Set<Integer> trainGroups = new HashSet<>();
            for (int i : s.train()) {
                trainGroups.add(groups[i]);
            }
            for (int i : s.val()) {
                assertTrue(!trainGroups.contains(groups[i]), "seed " + seed + ": " + d.source(i) + " is on both sides");
            }
            int[] val = d.classCounts(s.val());
            int[] all = d.classCounts(d.allIndices());
            for (int c = 0; c < all.length; c++) {
                assertTrue(val[c] >= 1 && val[c] < all[c], "class " + c + " val " + val[c] + " of " + all[c]);
                assertTrue(Math.abs(val[c] - 0.2 * all[c]) <= 3, "class " + c + " val " + val[c] + " of " + all[c]);
            }
            DatasetStats st = stats.stats(d, seed, 0.2);
            assertEquals(0, st.leakage().samples());
            assertTrue(st.duplicates().samples() > 100, "the fixture repeats rows: " + st.duplicates().samples());
        }
    }

    /** The split of earlier versions, written out: without duplicates the duplicate-aware split must equal it. */
    private static Split reference(Dataset d, long seed, double f) {
        int[] counts = d.classHistogram();
        List<Integer> val = new ArrayList<>();
        for (int c = 0; c < counts.length; c++) {
            int cc = c;
            int[] idx = java.util.stream.IntStream.range(0, d.size()).filter(i -> d.label(i) == cc).toArray();
            SeededRandom.derive(seed, SeededRandom.SPLIT, c).shuffle(idx);
            int k = counts[c] >= 2 ? Math.max(1, Math.min(counts[c] - 1, (int) Math.round(f * counts[c]))) : 0;
            for (int i = 0; i < k; i++) {
                val.add(idx[i]);
            }
        }
        int[] v = val.stream().mapToInt(Integer::intValue).sorted().toArray();
        int[] t = java.util.stream.IntStream.range(0, d.size()).filter(i -> Arrays.binarySearch(v, i) < 0).toArray();
        return new Split(t, v);
    }

    @Test
    void withoutDuplicatesTheSplitIsTheEarlierOneBitForBit() {
        Dataset shapes = ShapesGenerator.generate(7, 400);
        assertEquals(0, stats.stats(shapes, null, null).duplicates().groups(), "fixture without duplicates");
        for (double f : new double[]{0.1, 0.2, 0.5}) {
            Split a = Splits.stratified(shapes, 42, f);
            Split b = reference(shapes, 42, f);
            assertArrayEquals(b.val(), a.val());
            assertArrayEquals(b.train(), a.train());
        }
    }

    @Test
    void aGivenSplitIsUsedWhateverTheSeedAndItsLeakageAndCoverageAreReported() {
        // 6 samples of 1 byte: train 0..3, val 4..5; sample 5 has the bytes of sample 0 (copied across folders).
        byte[] px = {10, 20, 30, 40, 50, 10};
        int[] labels = {0, 1, 0, 1, 0, 0};
        Dataset d = new Dataset("g", new int[]{1, 1, 1}, DType.UINT8, 2, labels, px, null, List.of("cat", "dog"), List.of())
                .withSources(List.of("train/cat/a.png", "train/dog/b.png", "train/cat/c.png", "train/dog/d.png", "val/cat/e.png", "val/cat/f.png"))
                .withGivenSplit(new Dataset.GivenSplit("folders train/ and val/", new int[]{4, 5}));
        for (long seed : new long[]{1, 99}) {
            Split s = Splits.forRun(d, seed, 0.5);
            assertArrayEquals(new int[]{4, 5}, s.val());
            assertArrayEquals(new int[]{0, 1, 2, 3}, s.train());
        }
        DatasetStats st = stats.stats(d, 1L, 0.2);
        assertTrue(st.split().given());
        assertEquals("folders train/ and val/", st.split().description());
        assertEquals(List.of("dog"), st.split().classesMissingInVal());
        assertEquals(List.of(), st.split().classesMissingInTrain());
        assertEquals(2, st.leakage().samples());
        assertEquals(1, st.leakage().valSamples(), "one val file is a copy of a train file");
        assertEquals(List.of("val/cat/f.png"), st.leakage().examples().get(0).valSources());
        assertEquals(List.of("train/cat/a.png"), st.leakage().examples().get(0).trainSources());
    }

    private static Dataset labelled(int[] labels, int classes) {
        byte[] px = new byte[labels.length];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) i;
        }
        return new Dataset("l", new int[]{1, 1, 1}, classes, labels, px);
    }

    @Test
    void oneBasedLabelsAMarkerValueAndASingleClassAreDiagnosed() {
        // IDX labels 1..10: 11 classes, class 0 empty.
        int[] oneBased = new int[100];
        for (int i = 0; i < oneBased.length; i++) {
            oneBased[i] = 1 + i % 10;
        }
        List<String> p = stats.stats(labelled(oneBased, 11), null, null).labelProblems();
        assertEquals(1, p.size());
        assertTrue(p.get(0).contains("('0')") && p.get(0).contains("one-based"), p.get(0));

        // Labels 0..9 and one 255: 256 classes, 245 of them empty.
        int[] marker = new int[101];
        for (int i = 0; i < 100; i++) {
            marker[i] = i % 10;
        }
        marker[100] = 255;
        String m = stats.stats(labelled(marker, 256), null, null).labelProblems().get(0);
        assertTrue(m.startsWith("245 of 256 classes have no samples ('10', '11',"), m);
        assertTrue(m.contains("value 255 (1 samples)") && m.contains("'no label'"), m);

        List<String> one = stats.stats(labelled(new int[]{0, 0, 0}, 1), null, null).labelProblems();
        assertTrue(one.get(0).startsWith("only class '0' has samples"), one.toString());

        assertEquals(List.of(), stats.stats(labelled(new int[]{0, 1, 2, 1}, 3), null, null).labelProblems());
    }

    @Test
    void anIdLikeOrContinuousLabelIsNotAClass() {
        // A label column of ids (or float readings): as many classes as samples.
        int[] ids = new int[40];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        List<String> p = stats.stats(labelled(ids, 40), null, null).labelProblems();
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("40 classes for 40 samples, 40 of them with a single sample") && p.get(0).contains("id or a continuous"),
                p.get(0));
        int[] many = new int[200];
        for (int i = 0; i < many.length; i++) {
            many[i] = i % 20;
        }
        assertEquals(List.of(), stats.stats(labelled(many, 20), null, null).labelProblems(), "20 classes of 10 samples are classes");
    }

    @Test
    void aBinaryMaskStoredAs0And255IsDiagnosed() {
        byte[] px = new byte[2 * 4];
        byte[] masks = {0, (byte) 255, 0, 0, (byte) 255, (byte) 255, 0, 0};
        Dataset seg = new Dataset("s", new int[]{2, 2, 1}, DType.UINT8, 256, new int[2], px, masks, null, List.of());
        String p = stats.stats(seg, null, null).labelProblems().get(0);
        assertTrue(p.startsWith("254 of 256 classes have no mask pixels"), p);
        assertTrue(p.contains("only 0 and 255") && p.contains("store it as 0/1"), p);
    }

    @Test
    void anEmptyClassFolderCarriesTheLoadersExplanation() {
        Dataset d = new Dataset("f", new int[]{1, 1, 1}, DType.UINT8, 3, new int[]{0, 0, 2, 2}, new byte[]{1, 2, 3, 4}, null,
                List.of("cat", "dog", "fox"), List.of())
                .withNotes(List.of("class 'dog' has no image directly in dog/ but 12 in sub-folders (dog/images/)"));
        List<String> p = stats.stats(d, null, null).labelProblems();
        assertEquals(List.of("1 of 3 classes have no samples ('dog'): class 'dog' has no image directly in dog/ but 12 in sub-folders "
                + "(dog/images/)"), p, "the loader's note is the cause");
    }

    @Test
    void featuresAreStandardisedWithTrainStatisticsOnlyAndMissingValuesBecomeTheTrainMean() {
        // Feature 0: train values around 1..4, the val rows hold huge values that must not move the statistics.
        float[][] rows = new float[20][];
        int[] labels = new int[20];
        for (int i = 0; i < 20; i++) {
            rows[i] = new float[]{1 + i % 4, 7, i == 3 ? Float.NaN : i * 1000};
            labels[i] = i % 2;
        }
        Dataset d = table(rows, labels, 2, Dataset.FeatureScaling.STANDARDIZE);
        Split split = Splits.forRun(d, 5, 0.2);
        double[] trainMean = new double[3];
        int[] n = new int[3];
        for (int i : split.train()) {
            for (int f = 0; f < 3; f++) {
                if (!Float.isNaN(rows[i][f])) {
                    trainMean[f] += rows[i][f];
                    n[f]++;
                }
            }
        }
        FeatureScaler scaler = FeatureScaler.of(d, split);
        for (int f = 0; f < 3; f++) {
            assertEquals(trainMean[f] / n[f], scaler.mean()[f], 1e-3, "feature " + f);
        }
        TrainBatches train = TrainBatches.forRun(d, new DataConfig(5L, 0, split.trainSize(), 0.2));
        Batch b = train.batch(0);
        float[] x = new float[b.data().length / 4];
        ByteBuffer.wrap(b.data()).asFloatBuffer().get(x);
        double mean0 = 0;
        double sq0 = 0;
        for (int i = 0; i < split.trainSize(); i++) {
            mean0 += x[i * 3];
            sq0 += x[i * 3] * x[i * 3];
            assertEquals(0f, x[i * 3 + 1], "a constant feature is only centred");
            assertTrue(Float.isFinite(x[i * 3 + 2]), "NaN must be imputed");
        }
        mean0 /= split.trainSize();
        assertEquals(0, mean0, 1e-5, "standardised train feature has mean 0");
        assertEquals(1, sq0 / split.trainSize(), 1e-4, "and variance 1");
        // Val batches get the very same transform.
        Batch v = ValBatches.build(d, split.val(), scaler);
        float[] vx = new float[v.data().length / 4];
        ByteBuffer.wrap(v.data()).asFloatBuffer().get(vx);
        int first = split.val()[0];
        double std0 = Math.sqrt(variance(rows, split.train(), 0));
        assertEquals((rows[first][0] - scaler.mean()[0]) / std0, vx[0], 1e-4);

        Dataset raw = table(rows, labels, 2, Dataset.FeatureScaling.NONE);
        FeatureScaler fill = FeatureScaler.of(raw, split);
        Batch r = ValBatches.build(raw, new int[]{3}, fill);
        float[] rx = new float[3];
        ByteBuffer.wrap(r.data()).asFloatBuffer().get(rx);
        assertArrayEquals(new float[]{4, 7, fill.mean()[2]}, rx, "unscaled: only the missing value is filled, with the train mean");
        Dataset complete = table(new float[][]{{1}, {2}, {3}, {4}}, new int[]{0, 1, 0, 1}, 2, Dataset.FeatureScaling.NONE);
        assertNull(FeatureScaler.of(complete, Splits.forRun(complete, 1, 0.5)), "nothing to do: stored values");
    }

    private static double variance(float[][] rows, int[] idx, int f) {
        double m = 0;
        for (int i : idx) {
            m += rows[i][f];
        }
        m /= idx.length;
        double v = 0;
        for (int i : idx) {
            v += (rows[i][f] - m) * (rows[i][f] - m);
        }
        return v / idx.length;
    }

    @Test
    void statsReportPerFeatureRangesAndMissingCells() {
        float[][] rows = {{1, 1e5f}, {2, Float.NaN}, {3, 2e5f}, {4, 3e5f}};
        DatasetStats s = stats.stats(table(rows, new int[]{0, 1, 0, 1}, 2, Dataset.FeatureScaling.STANDARDIZE), null, null);
        assertEquals("standardize", s.featureScaling());
        DatasetStats.FeatureRange f1 = s.features().get(1);
        assertEquals("f1", f1.name());
        assertEquals(1e5, f1.min(), 1);
        assertEquals(3e5, f1.max(), 1);
        assertEquals(1, f1.missing());
        assertEquals(2.5, s.channelMean()[0], 1e-9);
        assertEquals(2e5, s.channelMean()[1], 1, "missing cells are left out of the moments");
    }

    @Test
    void aTabularPreviewPlotsMeasurementsNotOneHotCorners() {
        // Penguins-like: two one-hot columns first, then two measurements; the scatter must use the measurements.
        float[] v = {1, 0, 39.1f, 181, 0, 1, 46.5f, 217, 1, 0, 38.2f, 185, 0, 1, 50.0f, 230};
        assertArrayEquals(new int[]{2, 3}, PreviewRenderer.axes(v, 4, 4));
        assertArrayEquals(new int[]{0, 1}, PreviewRenderer.axes(new float[]{1, 2, 3, 4}, 2, 2), "two features: both");
    }
}
