package dev.preflight.data.store;

import dev.preflight.data.load.CsvLoader;
import dev.preflight.data.load.DataRoot;
import dev.preflight.data.load.ImageFolderLoader;
import dev.preflight.data.load.LoadException;
import dev.preflight.data.load.Registration;
import dev.preflight.data.load.SegmentationLoader;
import dev.preflight.data.load.TestFiles;
import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.SampleBytes;
import dev.preflight.data.service.DatasetRegistry;
import dev.preflight.data.service.StatsService;
import dev.preflight.wire.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sample store through the registry that uses it: a dataset read back from its store file is the dataset the
 * loader decoded (every fact the stats and splits use), a changed source or a damaged file is rebuilt, a write that
 * does not finish leaves no store file, and a store-backed dataset holds no sample bytes in the heap.
 */
class SampleStoreTest {

    private static final StatsService STATS = new StatsService();

    @TempDir
    Path tmp;
    Path rootDir;
    Path storeDir;
    DataRoot root;

    @BeforeEach
    void setUp() throws IOException {
        rootDir = Files.createDirectories(tmp.resolve("root"));
        storeDir = tmp.resolve("store");
        root = new DataRoot(rootDir);
    }

    /** A fresh service's registry on this test's data root and store directory. */
    private DatasetRegistry registry() {
        return Registries.registry(rootDir, storeDir);
    }

    private static Registration images(String name, String format, String path, int h, int w, int c) {
        return new Registration(name, format, path, null, null, null, null, null, List.of(h, w, c), null);
    }

    /** A folder with train/ and val/, a corrupt file (skipped), a README (ignored) and two identical images (duplicates). */
    private void imageFolder(String dir) throws IOException {
        Path d = rootDir.resolve(dir);
        for (int i = 0; i < 6; i++) {
            TestFiles.grayPng(d.resolve("train/cat/c" + i + ".png"), 9, 7, i * 20);
            TestFiles.rgbImage(d.resolve("train/dog/d" + i + ".png"), 5, 5, 0x102030 * (i + 1), "png");
        }
        TestFiles.grayPng(d.resolve("train/cat/copy.png"), 9, 7, 0);
        TestFiles.grayPng(d.resolve("val/cat/v.png"), 9, 7, 45);
        TestFiles.rgbImage(d.resolve("val/dog/v.png"), 6, 4, 0x445566, "png");
        Files.write(d.resolve("train/dog/broken.png"), new byte[]{(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Files.writeString(d.resolve("train/README.txt"), "not data");
    }

    private void segmentation(String dir) throws IOException {
        Path d = rootDir.resolve(dir);
        for (int i = 0; i < 5; i++) {
            TestFiles.grayPng(d.resolve("images/s" + i + ".png"), 6, 6, i * 30);
            TestFiles.maskPng(d.resolve("masks/s" + i + ".png"), 6, 6, 1 + i % 2);
        }
    }

    private void csv(String file) throws IOException {
        Files.writeString(rootDir.resolve(file), "a,b,colour,label\n1,2.5,red,x\n3,4.5,blue,y\n5,,red,x\n7,8.5,green,y\n1,2.5,red,x\n");
    }

    /** Every fact of {@code a} the service uses, equal in {@code b}. */
    private static void assertSameDataset(Dataset a, Dataset b) {
        assertEquals(a.size(), b.size());
        assertArrayEquals(a.sampleShape(), b.sampleShape());
        assertEquals(a.dtype(), b.dtype());
        assertEquals(a.classNames(), b.classNames());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.label(i), b.label(i), "label " + i);
            assertArrayEquals(a.sample(i), b.sample(i), "sample " + i);
            assertArrayEquals(a.mask(i), b.mask(i), "mask " + i);
            assertEquals(a.source(i), b.source(i));
        }
        assertArrayEquals(a.contentGroups(), b.contentGroups());
        assertEquals(a.skipped(), b.skipped());
        assertEquals(a.ignored(), b.ignored());
        assertEquals(a.notes(), b.notes());
        assertEquals(a.featureNames(), b.featureNames());
        assertEquals(a.featureScaling(), b.featureScaling());
        assertEquals(a.givenSplit() == null, b.givenSplit() == null);
        if (a.givenSplit() != null) {
            assertEquals(a.givenSplit().description(), b.givenSplit().description());
            assertArrayEquals(a.givenSplit().val(), b.givenSplit().val());
        }
        // What data-check judges: histogram, moments, duplicates, conflicts, split and leakage, byte for byte.
        assertEquals(new String(Json.encode(STATS.stats(a, 3L, 0.25))), new String(Json.encode(STATS.stats(b, 3L, 0.25))));
    }

    private Path storeFile(String name) throws IOException {
        try (Stream<Path> s = Files.list(storeDir)) {
            List<Path> hits = s.filter(p -> p.getFileName().toString().startsWith(name) && p.toString().endsWith(SampleStore.SUFFIX)).toList();
            assertEquals(1, hits.size(), "one store file for " + name + ": " + hits);
            return hits.get(0);
        }
    }

    @Test
    void aDatasetReadBackFromItsStoreIsTheDecodedOneAndHoldsNoSampleBytesInTheHeap() throws Exception {
        imageFolder("pets");
        segmentation("seg");
        csv("t.csv");
        Registration pets = images("pets", "image-folder", "pets", 8, 8, 3);
        Registration seg = images("seg", "segmentation", "seg", 4, 4, 1);
        Registration table = new Registration("table", "csv", "t.csv", null, null, null, null, null, null, null);
        DatasetRegistry first = registry();
        Dataset petsFirst = first.register(pets);
        Dataset segFirst = first.register(seg);
        Dataset tableFirst = first.register(table);
        FileTime written = Files.getLastModifiedTime(storeFile("pets"));

        DatasetRegistry restarted = registry();
        for (Registration r : List.of(pets, seg, table)) {
            Dataset heap = switch (r.format()) {
                case "image-folder" -> ImageFolderLoader.load(r.name(), rootDir.resolve(r.path()), r, root);
                case "segmentation" -> SegmentationLoader.load(r.name(), rootDir.resolve(r.path()), r, root);
                default -> CsvLoader.load(r.name(), rootDir.resolve(r.path()), r, root);
            };
            Dataset mapped = restarted.register(r);
            assertSameDataset(heap, mapped);
            assertTrue(heap.sampleHeapBytes() > 0);
            assertEquals(0, mapped.sampleHeapBytes(), r.name() + ": sample bytes live in the mapped file, not the heap");
        }
        assertSameDataset(petsFirst, restarted.get("pets"));
        assertSameDataset(segFirst, restarted.get("seg"));
        assertSameDataset(tableFirst, restarted.get("table"));
        assertEquals(written, Files.getLastModifiedTime(storeFile("pets")), "the second registry mapped the file, not rebuilt it");
        assertTrue(restarted.get("pets").givenSplit() != null && restarted.get("pets").skipped().size() == 1
                && restarted.get("pets").ignored().size() == 1, "split, skipped and ignored files survive the store");
        assertEquals(1, STATS.stats(restarted.get("pets"), null, null).duplicates().groups(), "the copied image is found");
    }

    @Test
    void recordsSpreadOverManyMappingsReadBackInOrder() throws Exception {
        // 1 GiB mappings hold whole records; with 3 records per mapping, 10 records need 4 mappings.
        SampleStore store = new SampleStore(storeDir, 3 * 5);
        byte[][] records = new byte[10][5];
        for (int i = 0; i < records.length; i++) {
            Arrays.fill(records[i], (byte) (i * 7 + 1));
        }
        try (SampleStore.Writer w = store.create("r.pfs")) {
            for (byte[] r : records) {
                w.add(r, null);
            }
            SampleBytes back = w.finish().samples();
            assertEquals(4, ((MappedSampleBytes) back).chunks());
            byte[] one = new byte[5];
            for (int i = 0; i < records.length; i++) {
                back.copy(i, one, 0);
                assertArrayEquals(records[i], one, "record " + i);
            }
            byte[] range = new byte[8 * 5];
            back.copyRange(1, 8, range, 0);
            for (int i = 0; i < 8; i++) {
                assertArrayEquals(records[i + 1], Arrays.copyOfRange(range, i * 5, i * 5 + 5), "record " + (i + 1) + " in a range across mappings");
            }
            assertThrows(IndexOutOfBoundsException.class, () -> back.copy(10, one, 0));
        }
    }

    @Test
    void aChangedSourceFileOrOptionRebuildsTheStore() throws Exception {
        imageFolder("pets");
        Registration pets = images("pets", "image-folder", "pets", 8, 8, 3);
        byte[] before = registry().register(pets).sample(0);
        Path file = storeFile("pets");
        FileTime written = Files.getLastModifiedTime(file);

        // Same name, same size class: only the content (and so size/mtime) differs.
        Path first = rootDir.resolve("pets/train/cat/c0.png");
        TestFiles.grayPng(first, 9, 7, 200);
        Files.setLastModifiedTime(first, FileTime.fromMillis(Files.getLastModifiedTime(first).toMillis() + 5_000));
        Dataset rebuilt = registry().register(pets);
        assertFalse(Arrays.equals(before, rebuilt.sample(0)), "the new image, not the stored one");
        assertArrayEquals(ImageFolderLoader.load("pets", rootDir.resolve("pets"), pets, root).sample(0), rebuilt.sample(0));
        assertNotEquals(written, Files.getLastModifiedTime(storeFile("pets")), "store rewritten");

        // A new file in a class folder changes the listing.
        TestFiles.grayPng(rootDir.resolve("pets/train/cat/c9.png"), 9, 7, 99);
        assertEquals(rebuilt.size() + 1, registry().register(pets).size());

        // Another image shape is another store file, beside the first.
        Dataset small = registry().register(images("pets", "image-folder", "pets", 4, 4, 1));
        assertArrayEquals(new int[]{4, 4, 1}, small.sampleShape());
        try (Stream<Path> s = Files.list(storeDir)) {
            assertEquals(List.of("pets-4x4x1.pfs", "pets-8x8x3.pfs"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void aDamagedOrTruncatedStoreFileIsRebuiltNeverReadAsData() throws Exception {
        segmentation("seg");
        Registration seg = images("seg", "segmentation", "seg", 4, 4, 1);
        registry().register(seg);
        // Compared with a decode in the heap: the registered dataset maps the very file this test damages in place.
        Dataset good = SegmentationLoader.load("seg", rootDir.resolve("seg"), seg, root);
        Path file = storeFile("seg");
        long length = Files.size(file);

        // One flipped bit in a sample: the CRC-32C catches it.
        flip(file, SampleStore.HEADER + 5);
        assertSameDataset(good, registry().register(seg));
        assertEquals(length, Files.size(file), "rewritten whole");

        // Truncated mid-metadata, as a full disk or a killed copy leaves it.
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(length - 10);
        }
        assertSameDataset(good, registry().register(seg));
        assertEquals(length, Files.size(file));

        // Not a store file at all; then a flipped bit in a label.
        Files.write(file, new byte[100]);
        assertSameDataset(good, registry().register(seg));
        flip(file, (int) (SampleStore.HEADER + good.size() * (16L + 16)) + 3);
        assertSameDataset(good, registry().register(seg));
    }

    private static void flip(Path file, int at) throws IOException {
        byte[] all = Files.readAllBytes(file);
        all[at] ^= 0x10;
        Files.write(file, all);
    }

    @Test
    void aWriteThatDoesNotFinishLeavesNoStoreFile() throws Exception {
        SampleStore store = new SampleStore(storeDir);
        try (SampleStore.Writer w = store.create("crash.pfs")) {
            w.add(new byte[]{1, 2, 3}, new byte[]{0});
            w.add(new byte[]{4, 5, 6}, new byte[]{1});
            // no commit: the loader threw, or the process is going down
        }
        try (Stream<Path> s = Files.list(storeDir)) {
            assertEquals(List.of(), s.toList(), "neither a store file nor temp files");
        }
        assertTrue(store.open("crash.pfs", "any").isEmpty());

        // A registration whose files cannot be loaded leaves nothing either.
        Files.createDirectories(rootDir.resolve("empty/cat"));
        assertThrows(LoadException.class, () -> registry().register(images("empty", "image-folder", "empty", 4, 4, 1)));
        try (Stream<Path> s = Files.list(storeDir)) {
            assertEquals(List.of(), s.toList());
        }
    }
}
