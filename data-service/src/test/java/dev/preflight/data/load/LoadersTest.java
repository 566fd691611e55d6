package dev.preflight.data.load;

import dev.preflight.data.model.Dataset;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadersTest extends DataRootTest {


    private static Registration reg(String format, String path) {
        return new Registration("t", format, path, null, null, null, null, null, null, null);
    }

    private static Registration images(String format, String path, int h, int w, int c) {
        return new Registration("t", format, path, null, null, null, null, null, List.of(h, w, c), null);
    }

    private static void assertMessage(Throwable e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' not in: " + e.getMessage());
        }
    }

    @Test
    void idxRawAndGzipLoadTheSameSamples() throws Exception {
        TestFiles.idx(rootDir.resolve("raw"), 6, 4, 3, false);
        TestFiles.idx(rootDir.resolve("gz"), 6, 4, 3, true);
        Dataset raw = IdxLoader.load("raw", root.resolve("raw"), reg("idx", "raw"), root);
        Dataset gz = IdxLoader.load("gz", root.resolve("gz"), reg("idx", "gz"), root);
        assertEquals(6, raw.size());
        assertArrayEquals(new int[]{4, 4, 1}, raw.sampleShape());
        assertEquals(3, raw.numClasses());
        assertArrayEquals(new int[]{2, 2, 2}, raw.classHistogram());
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(raw.sample(i), gz.sample(i));
            assertEquals(i, raw.sample(i)[5]);
        }
    }

    @Test
    void idxWrongMagicIsAClearError() throws Exception {
        TestFiles.idx(rootDir.resolve("m"), 4, 4, 2, false);
        // Swap the files' roles: the images file now holds labels (magic 0x801).
        Path d = rootDir.resolve("m");
        Files.write(d.resolve("train-images-idx3-ubyte"), Files.readAllBytes(d.resolve("train-labels-idx1-ubyte")));
        LoadException e = assertThrows(LoadException.class, () -> IdxLoader.load("m", d, reg("idx", "m"), root));
        assertMessage(e, "m/train-images-idx3-ubyte", "magic 0x00000801", "expected 0x00000803");
    }

    @Test
    void idxTruncatedFileIsAnError() throws Exception {
        TestFiles.idx(rootDir.resolve("tr"), 4, 4, 2, false);
        Path f = rootDir.resolve("tr/train-images-idx3-ubyte");
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 3));
        assertMessage(assertThrows(LoadException.class, () -> IdxLoader.load("tr", root.resolve("tr"), reg("idx", "tr"), root)), "truncated");
    }

    @Test
    void imageFolderResizesAnySizeAndSkipsCorruptFiles() throws Exception {
        Path dir = rootDir.resolve("imgs");
        TestFiles.grayPng(dir.resolve("a/one.png"), 8, 8, 0);
        TestFiles.grayPng(dir.resolve("a/two.png"), 2, 2, 100);
        TestFiles.rgbImage(dir.resolve("b/red.jpg"), 5, 3, 0xFF0000, "jpg");
        Files.write(dir.resolve("b/broken.png"), new byte[]{(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Files.writeString(dir.resolve("b/notes.txt"), "hello");
        Dataset d = ImageFolderLoader.load("t", root.resolve("imgs"), images("image-folder", "imgs", 4, 4, 3), root);
        assertEquals(3, d.size());
        assertEquals(List.of("a", "b"), d.classNames());
        assertArrayEquals(new int[]{2, 1}, d.classHistogram());
        assertArrayEquals(new int[]{4, 4, 3}, d.sampleShape());
        // 8x8 -> 4x4 by area averaging: output (0,0) averages source (0..1, 0..1) = (0+1+1+2)/4 = 1.
        assertEquals(1, d.sample(0)[0]);
        assertEquals(d.sample(0)[0], d.sample(0)[1], "gray becomes equal RGB channels");
        // A solid red JPEG stays (near) red after resizing.
        byte[] red = d.sample(2);
        assertTrue((red[0] & 0xFF) > 200 && (red[1] & 0xFF) < 60, "red pixel: " + (red[0] & 0xFF) + "," + (red[1] & 0xFF));
        assertEquals(1, d.skipped().size(), "only the corrupt image counts as skipped");
        assertEquals("imgs/b/broken.png", d.skipped().get(0).file());
        assertEquals(List.of(new dev.preflight.data.model.Skipped("imgs/b/notes.txt", "not an image: .txt")), d.ignored());
    }

    @Test
    void imageFolderUpscalesBilinearly() throws Exception {
        Path dir = rootDir.resolve("up");
        TestFiles.grayPngValues(dir.resolve("a/x.png"), 2, 1, 0, 200);
        TestFiles.grayPng(dir.resolve("b/y.png"), 2, 2, 0);
        Dataset d = ImageFolderLoader.load("t", root.resolve("up"), images("image-folder", "up", 1, 4, 1), root);
        // Half-pixel centres: targets at source x = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1).
        assertArrayEquals(new byte[]{0, 50, (byte) 150, (byte) 200}, d.sample(0));
    }

    @Test
    void folderWithNoValidImageIsAnErrorSayingWhy() throws Exception {
        Path dir = rootDir.resolve("bad/a");
        Files.createDirectories(dir);
        Files.write(dir.resolve("x.png"), new byte[]{1, 2, 3});
        LoadException e = assertThrows(LoadException.class,
                () -> ImageFolderLoader.load("t", root.resolve("bad"), images("image-folder", "bad", 4, 4, 1), root));
        assertMessage(e, "no valid image", "bad/a/x.png");
    }

    @Test
    void segmentationPairsByNameAndResizesMasksByNearestNeighbour() throws Exception {
        Path dir = rootDir.resolve("seg");
        TestFiles.grayPng(dir.resolve("images/p1.png"), 8, 8, 10);
        TestFiles.maskPng(dir.resolve("masks/p1.png"), 8, 8, 2);
        TestFiles.rgbImage(dir.resolve("images/p2.jpg"), 8, 8, 0x808080, "jpg");
        TestFiles.maskPng(dir.resolve("masks/p2.png"), 8, 8, 1);
        TestFiles.grayPng(dir.resolve("images/lonely.png"), 8, 8, 0);
        Dataset d = SegmentationLoader.load("t", root.resolve("seg"), images("segmentation", "seg", 4, 4, 1), root);
        assertEquals(2, d.size());
        assertTrue(d.isSegmentation());
        assertEquals(3, d.numClasses(), "largest id + 1");
        assertArrayEquals(new byte[]{2, 2, 0, 0}, java.util.Arrays.copyOf(d.mask(0), 4), "no blended ids at the edge");
        assertArrayEquals(new int[]{0, 0}, new int[]{d.label(0), d.label(1)});
        assertEquals(1, d.skipped().size());
        assertEquals("seg/images/lonely.png", d.skipped().get(0).file());
        // Pixel class counts: each mask is half class id, half background.
        assertArrayEquals(new int[]{16, 8, 8}, d.classCounts(d.allIndices()));
    }

    @Test
    void dataRootRejectsAbsoluteParentAndMissingPaths() {
        assertMessage(assertThrows(PathRejectedException.class, () -> root.resolve(tmp.toAbsolutePath().toString())), "relative");
        assertMessage(assertThrows(PathRejectedException.class, () -> root.resolve("a/../../x")), "'..'");
        assertMessage(assertThrows(PathRejectedException.class, () -> root.resolve("nope")), "does not exist");
    }

    @Test
    void symlinksOutOfTheRootAreRejectedAndSkipped() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        TestFiles.grayPng(outside.resolve("secret.png"), 4, 4, 0);
        Files.createSymbolicLink(rootDir.resolve("escape"), outside);
        assertMessage(assertThrows(PathRejectedException.class, () -> root.resolve("escape")), "outside the data root");

        Path dir = rootDir.resolve("mixed");
        TestFiles.grayPng(dir.resolve("a/ok.png"), 4, 4, 0);
        TestFiles.grayPng(dir.resolve("b/ok.png"), 4, 4, 9);
        Files.createSymbolicLink(dir.resolve("a/link.png"), outside.resolve("secret.png"));
        Dataset d = ImageFolderLoader.load("t", root.resolve("mixed"), images("image-folder", "mixed", 4, 4, 1), root);
        assertEquals(2, d.size());
        assertEquals(1, d.skipped().size());
        assertMessage(new IllegalStateException(d.skipped().get(0).reason()), "outside the data root");
    }
}
