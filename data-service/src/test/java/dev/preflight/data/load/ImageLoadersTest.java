package dev.preflight.data.load;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.Skipped;
import org.junit.jupiter.api.Test;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Image-folder, IDX and segmentation loading on inputs written the way cameras, editors, operating systems and
 * download scripts write them: clutter next to every file, sidecars, truncated files, odd bit depths, train/val
 * folders, MNIST's four files.
 */
class ImageLoadersTest extends DataRootTest {


    // ---------------------------------------------------------------- helpers

    private static Registration reg(String format, String path, List<Integer> shape, String images, String labels,
                                    Boolean givenSplit) {
        return new Registration("t", format, path, images, labels, null, null, null, shape, null,
                null, null, null, null, null, null, null, null, givenSplit);
    }

    private Dataset folder(String path, int h, int w, int c) {
        return ImageFolderLoader.load("t", root.resolve(path), reg("image-folder", path, List.of(h, w, c), null, null, null), root);
    }

    private Dataset folder(String path, Boolean givenSplit) {
        return ImageFolderLoader.load("t", root.resolve(path), reg("image-folder", path, List.of(2, 2, 1), null, null, givenSplit), root);
    }

    private Dataset idx(String path, String images, String labels, Boolean givenSplit) {
        return IdxLoader.load("t", root.resolve(path), reg("idx", path, null, images, labels, givenSplit), root);
    }

    private static List<String> sources(Dataset d) {
        return Arrays.stream(d.allIndices()).mapToObj(d::source).toList();
    }

    private static List<String> files(List<Skipped> list) {
        return list.stream().map(Skipped::file).toList();
    }

    private static String reasonOf(Dataset d, String file) {
        return d.skipped().stream().filter(s -> s.file().equals(file)).map(Skipped::reason).findFirst()
                .orElseThrow(() -> new AssertionError(file + " not skipped: " + d.skipped()));
    }

    private static void assertContains(String text, String... parts) {
        for (String p : parts) {
            assertTrue(text.contains(p), "'" + p + "' not in: " + text);
        }
    }

    private static int u(byte b) {
        return b & 0xFF;
    }

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
        return out.toByteArray();
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    private static BufferedImage solid(int w, int h, int rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    /** A photo-like JPEG: noise compresses badly, so 60 % of the bytes end well inside the scan data. */
    private static byte[] noisyJpeg() throws IOException {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Random rnd = new Random(7);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, rnd.nextInt(0x1000000));
            }
        }
        return encode(img, "jpg");
    }

    private static void gray(Path file, int w, int h, int level) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, level);
            }
        }
        write(file, encode(img, "png"));
    }

    /**
     * A PNG written chunk by chunk as libpng writes it: IHDR, optional PLTE and tRNS, one zlib IDAT of filter-0
     * scanlines, IEND.
     *
     * @param rows packed scanlines (without the filter byte)
     */
    static byte[] png(int w, int h, int bitDepth, int colorType, byte[] plte, byte[] trns, byte[][] rows) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) bitDepth).put((byte) colorType)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        if (plte != null) {
            chunk(out, "PLTE", plte);
        }
        if (trns != null) {
            chunk(out, "tRNS", trns);
        }
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(raw)) {
            for (byte[] row : rows) {
                z.write(0);
                z.write(row);
            }
        }
        chunk(out, "IDAT", raw.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.writeInt(data.length);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }

    /** Samples of {@code bits} bits packed MSB first, as PNG scanlines hold them. */
    static byte[] pack(int bits, int... values) {
        byte[] out = new byte[(values.length * bits + 7) / 8];
        for (int i = 0; i < values.length; i++) {
            int bit = i * bits;
            out[bit / 8] |= (byte) (values[i] << (8 - bits - bit % 8));
        }
        return out;
    }

    /** An IDX images file (n x side x side, image i filled with first + i) and its labels file (label = first + i). */
    private static void idxPair(Path dir, String images, String labels, int n, int side, int first, boolean gzip) throws IOException {
        ByteBuffer img = ByteBuffer.allocate(16 + n * side * side).putInt(0x803).putInt(n).putInt(side).putInt(side);
        ByteBuffer lab = ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < side * side; p++) {
                img.put((byte) (first + i));
            }
            lab.put((byte) (first + i));
        }
        TestFiles.bytes(dir.resolve(images), img.array(), gzip);
        TestFiles.bytes(dir.resolve(labels), lab.array(), gzip);
    }

    private static void mnist(Path dir, String prefixTrain, String prefixTest, String suffix, boolean gzip) throws IOException {
        idxPair(dir, prefixTrain + "images-idx3-ubyte" + suffix, prefixTrain + "labels-idx1-ubyte" + suffix, 6, 2, 0, gzip);
        idxPair(dir, prefixTest + "images-idx3-ubyte" + suffix, prefixTest + "labels-idx1-ubyte" + suffix, 4, 2, 100, gzip);
    }

    // ---------------------------------------------------------------- 1. files that are not data

    @Test
    void osClutterIsSilentAndSidecarsAreIgnoredNotSkipped() throws Exception {
        Path d = rootDir.resolve("pets");
        for (String cls : List.of("cat", "dog")) {
            for (int i = 1; i <= 3; i++) {
                gray(d.resolve(cls + "/" + i + ".png"), 4, 4, 10 * i);
                // One sidecar per image, as Google Takeout and labelling tools write them.
                Files.writeString(d.resolve(cls + "/" + i + ".png.json"), "{\"taken\": 1}");
                // AppleDouble resource fork: a 4 KiB file that is not a PNG at all.
                write(d.resolve(cls + "/._" + i + ".png"), new byte[]{0, 5, 22, 7, 0, 2, 0, 0});
            }
            write(d.resolve(cls + "/.DS_Store"), new byte[]{0, 0, 0, 1, 'B', 'u', 'd', '1'});
            write(d.resolve(cls + "/Thumbs.db"), new byte[]{(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0});
            Files.writeString(d.resolve(cls + "/desktop.ini"), "[.ShellClassInfo]\r\n");
            write(d.resolve(cls + "/Icon\r"), new byte[0]);
            gray(d.resolve(cls + "/@eaDir/1.png/SYNOPHOTO_THUMB_S.png"), 2, 2, 0);
            Files.writeString(d.resolve(cls + "/" + "notes.TXT"), "shot on a rainy day");
        }
        gray(d.resolve("__MACOSX/cat/._1.png"), 1, 1, 0);
        gray(d.resolve(".ipynb_checkpoints/x.png"), 1, 1, 0);
        Files.writeString(d.resolve("README.md"), "# pets");
        Files.writeString(d.resolve("labels.csv"), "file,label\n");
        write(d.resolve(".DS_Store"), new byte[]{0});

        Dataset ds = folder("pets", 4, 4, 1);
        assertEquals(List.of("cat", "dog"), ds.classNames(), "no class from __MACOSX or a dot-folder");
        assertEquals(6, ds.size());
        assertEquals(List.of(), ds.skipped(), "nothing corrupt here");
        assertEquals(List.of(), ds.notes());
        List<String> ignored = files(ds.ignored());
        assertEquals(List.of("pets/README.md", "pets/labels.csv",
                "pets/cat/1.png.json", "pets/cat/2.png.json", "pets/cat/3.png.json", "pets/cat/notes.TXT",
                "pets/dog/1.png.json", "pets/dog/2.png.json", "pets/dog/3.png.json", "pets/dog/notes.TXT"), ignored);
        assertEquals("not an image: .json", ds.ignored().get(2).reason());
        assertEquals("not an image: .txt", ds.ignored().get(5).reason());
        assertEquals("not an image: .md", ds.ignored().get(0).reason());
    }

    // ---------------------------------------------------------------- 2. formats

    @Test
    void everyFormatImageIoReadsLoadsWhateverTheCaseOfItsExtension() throws Exception {
        Path d = rootDir.resolve("fmt");
        BufferedImage red = solid(6, 6, 0xFF0000);
        write(d.resolve("a/IMG_001.JPG"), encode(red, "jpg"));
        write(d.resolve("a/b.jpeg"), encode(red, "jpg"));
        write(d.resolve("a/c.png"), encode(red, "png"));
        write(d.resolve("a/d.Bmp"), encode(red, "bmp"));
        write(d.resolve("a/e.tif"), encode(red, "tif"));
        write(d.resolve("a/f.TIFF"), encode(red, "tif"));
        // An animated GIF: the first frame (red) is the sample, not the last (blue).
        ByteArrayOutputStream gif = new ByteArrayOutputStream();
        ImageWriter w = ImageIO.getImageWritersByFormatName("gif").next();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(gif)) {
            w.setOutput(ios);
            w.prepareWriteSequence(null);
            w.writeToSequence(new IIOImage(red, null, null), null);
            w.writeToSequence(new IIOImage(solid(6, 6, 0x0000FF), null, null), null);
            w.endWriteSequence();
        }
        write(d.resolve("a/g.GIF"), gif.toByteArray());
        gray(d.resolve("b/x.png"), 6, 6, 0);

        Dataset ds = folder("fmt", 2, 2, 3);
        assertEquals(List.of(), ds.skipped());
        assertEquals(8, ds.size());
        assertEquals(List.of("fmt/a/IMG_001.JPG", "fmt/a/b.jpeg", "fmt/a/c.png", "fmt/a/d.Bmp", "fmt/a/e.tif",
                "fmt/a/f.TIFF", "fmt/a/g.GIF", "fmt/b/x.png"), sources(ds));
        for (int i = 0; i < 7; i++) {
            byte[] s = ds.sample(i);
            assertTrue(u(s[0]) > 240 && u(s[1]) < 15 && u(s[2]) < 15, ds.source(i) + " is red: " + Arrays.toString(s));
        }
    }

    @Test
    void webpHeicAndAvifAreSkippedNamingTheFormatAndSuggestingConversion() throws Exception {
        Path d = rootDir.resolve("phone");
        gray(d.resolve("a/ok.png"), 2, 2, 1);
        gray(d.resolve("b/ok.png"), 2, 2, 2);
        byte[] webp = "RIFF\u0024\0\0\0WEBPVP8 \u0018\0\0\0".getBytes(StandardCharsets.ISO_8859_1);
        write(d.resolve("a/x.webp"), webp);
        write(d.resolve("a/IMG_4032.HEIC"), "\0\0\0\u0018ftypheic\0\0\0\0mif1heic".getBytes(StandardCharsets.ISO_8859_1));
        write(d.resolve("a/y.avif"), "\0\0\0\u001cftypavif\0\0\0\0avifmif1miaf".getBytes(StandardCharsets.ISO_8859_1));
        // Saved from a browser: WebP content behind a .jpg name.
        write(d.resolve("b/download.jpg"), webp);

        Dataset ds = folder("phone", 2, 2, 1);
        assertEquals(2, ds.size());
        assertEquals(4, ds.skipped().size());
        assertContains(reasonOf(ds, "phone/a/x.webp"), "WebP", "convert it to PNG or JPEG");
        assertContains(reasonOf(ds, "phone/a/IMG_4032.HEIC"), "HEIC", "convert");
        assertContains(reasonOf(ds, "phone/a/y.avif"), "AVIF", "convert");
        assertContains(reasonOf(ds, "phone/b/download.jpg"), "WebP", "named .jpg", "convert");
        assertEquals(List.of(), ds.ignored(), "images we cannot read are skipped, not ignored");
    }

    // ---------------------------------------------------------------- 3. silent decode damage

    @Test
    void truncatedJpegsThatImageIoDecodesGreyAreSkippedAsCorrupt() throws Exception {
        Path d = rootDir.resolve("cut");
        byte[] jpg = noisyJpeg();
        write(d.resolve("a/whole.jpg"), jpg);
        write(d.resolve("a/cut60.jpg"), Arrays.copyOf(jpg, jpg.length * 6 / 10));
        write(d.resolve("a/noEoi.jpg"), Arrays.copyOf(jpg, jpg.length - 2));
        // Phones append a video after the EOI marker (motion photos): still a whole JPEG.
        byte[] trailer = Arrays.copyOf(jpg, jpg.length + 64);
        System.arraycopy("MotionPhoto_Data\0\0\0\u0018ftypmp42".getBytes(StandardCharsets.ISO_8859_1), 0, trailer, jpg.length, 28);
        write(d.resolve("a/motion.jpg"), trailer);
        write(d.resolve("b/whole.jpg"), jpg);

        Dataset ds = folder("cut", 4, 4, 3);
        assertEquals(List.of("cut/a/motion.jpg", "cut/a/whole.jpg", "cut/b/whole.jpg"), sources(ds));
        assertEquals(List.of("cut/a/cut60.jpg", "cut/a/noEoi.jpg"), files(ds.skipped()));
        assertEquals("truncated JPEG: premature end of data", reasonOf(ds, "cut/a/cut60.jpg"));
        assertEquals("truncated JPEG: premature end of data", reasonOf(ds, "cut/a/noEoi.jpg"));
    }

    @Test
    void pngCutInsideItsImageDataIsSkipped() throws Exception {
        Path d = rootDir.resolve("cutpng");
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Random rnd = new Random(3);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, rnd.nextInt(0x1000000));
            }
        }
        byte[] png = encode(img, "png");
        write(d.resolve("a/cut.png"), Arrays.copyOf(png, png.length * 6 / 10));
        write(d.resolve("a/ok.png"), png);
        write(d.resolve("b/ok.png"), png);
        Dataset ds = folder("cutpng", 2, 2, 3);
        assertEquals(2, ds.size());
        assertContains(reasonOf(ds, "cutpng/a/cut.png"), "truncated PNG", "ends inside its image data");
    }

    @Test
    void cmykJpegFromAPrintWorkflowIsSkippedSayingSo() throws Exception {
        // Four ink channels with Photoshop's Adobe APP14 marker (transform 2 = YCCK), as "Save as JPEG" in CMYK mode.
        WritableRaster ink = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 8, 8, 4, null);
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            w.setOutput(ios);
            w.write(null, new IIOImage(ink, null, null), null);
        }
        byte[] plain = out.toByteArray();
        byte[] adobe = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 2};
        byte[] cmyk = new byte[plain.length + adobe.length];
        System.arraycopy(plain, 0, cmyk, 0, 2);
        System.arraycopy(adobe, 0, cmyk, 2, adobe.length);
        System.arraycopy(plain, 2, cmyk, 2 + adobe.length, plain.length - 2);
        Path d = rootDir.resolve("print");
        write(d.resolve("a/poster.jpg"), cmyk);
        gray(d.resolve("a/ok.png"), 2, 2, 0);
        gray(d.resolve("b/ok.png"), 2, 2, 0);
        Dataset ds = folder("print", 2, 2, 3);
        assertEquals(2, ds.size());
        assertContains(reasonOf(ds, "print/a/poster.jpg"), "CMYK/YCCK JPEG", "convert it to RGB");
    }

    @Test
    void lowAndHighBitDepthGrayIsScaledToTheFullRange() throws Exception {
        Path d = rootDir.resolve("depth");
        int[] idx16 = new int[16];
        Arrays.setAll(idx16, i -> i);
        // Raw 1-, 2- and 4-bit grayscale PNGs (colour type 0), as scanners and libpng write them.
        write(d.resolve("g1/x.png"), png(16, 1, 1, 0, null, null, new byte[][]{pack(1, Arrays.stream(idx16).map(i -> i % 2).toArray())}));
        write(d.resolve("g2/x.png"), png(16, 1, 2, 0, null, null, new byte[][]{pack(2, Arrays.stream(idx16).map(i -> i % 4).toArray())}));
        write(d.resolve("g4/x.png"), png(16, 1, 4, 0, null, null, new byte[][]{pack(4, idx16)}));
        // A bilevel scan through ImageIO (TYPE_BYTE_BINARY: a 1-bit IndexColorModel).
        BufferedImage bin = new BufferedImage(16, 1, BufferedImage.TYPE_BYTE_BINARY);
        for (int x = 0; x < 16; x++) {
            bin.getRaster().setSample(x, 0, 0, x % 2);
        }
        write(d.resolve("g5bin/x.png"), encode(bin, "png"));
        // A 16-bit medical/scientific gray image: level i * 4369 is exactly 8-bit i * 17.
        BufferedImage u16 = new BufferedImage(16, 1, BufferedImage.TYPE_USHORT_GRAY);
        for (int x = 0; x < 16; x++) {
            u16.getRaster().setSample(x, 0, 0, x * 4369);
        }
        write(d.resolve("g6u16/x.png"), encode(u16, "png"));

        Dataset ds = folder("depth", 1, 16, 1);
        assertEquals(5, ds.size(), ds.skipped().toString());
        int[] expect1 = Arrays.stream(idx16).map(i -> i % 2 * 255).toArray();
        int[] expect2 = Arrays.stream(idx16).map(i -> i % 4 * 85).toArray();
        int[] expect4 = Arrays.stream(idx16).map(i -> i * 17).toArray();
        assertArrayEquals(expect1, unsigned(ds.sample(0)), "1-bit: 0/255, not 0/1");
        assertArrayEquals(expect2, unsigned(ds.sample(1)), "2-bit");
        assertArrayEquals(expect4, unsigned(ds.sample(2)), "4-bit");
        assertArrayEquals(expect1, unsigned(ds.sample(3)), "TYPE_BYTE_BINARY");
        assertArrayEquals(expect4, unsigned(ds.sample(4)), "16-bit scaled, not truncated");
        // As RGB the gray levels fill all three channels.
        Dataset rgb = folder("depth", 1, 16, 3);
        assertEquals(255, u(rgb.sample(0)[3 * 1 + 2]));
    }

    private static int[] unsigned(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xFF;
        }
        return out;
    }

    @Test
    void grayAlphaPaletteAndRgbaKeepTheirStoredColours() throws Exception {
        Path d = rootDir.resolve("alpha");
        // Gray + alpha (colour type 4): the gray level, whatever the alpha.
        write(d.resolve("a/ga.png"), png(2, 1, 8, 4, null, null, new byte[][]{{(byte) 200, 0, 50, (byte) 255}}));
        byte[] plte = {(byte) 255, 0, 0, 0, 0, (byte) 255, 10, 20, 30};
        // Palette (colour type 3), 8-bit indices and 4-bit indices, with and without a tRNS chunk.
        write(d.resolve("b/p8.png"), png(2, 1, 8, 3, plte, null, new byte[][]{{0, 1}}));
        write(d.resolve("b/p8t.png"), png(2, 1, 8, 3, plte, new byte[]{0, (byte) 128}, new byte[][]{{0, 1}}));
        write(d.resolve("b/p4.png"), png(2, 1, 4, 3, plte, null, new byte[][]{pack(4, 2, 1)}));
        // RGBA through ImageIO, half and fully transparent pixels.
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x80112233);
        argb.setRGB(1, 0, 0x00445566);
        write(d.resolve("c/rgba.png"), encode(argb, "png"));

        Dataset ds = folder("alpha", 1, 2, 3);
        assertEquals(5, ds.size(), ds.skipped().toString());
        assertArrayEquals(new int[]{200, 200, 200, 50, 50, 50}, unsigned(ds.sample(0)));
        assertArrayEquals(new int[]{10, 20, 30, 0, 0, 255}, unsigned(ds.sample(1)), "b/p4.png");
        assertArrayEquals(new int[]{255, 0, 0, 0, 0, 255}, unsigned(ds.sample(2)), "b/p8.png");
        assertArrayEquals(new int[]{255, 0, 0, 0, 0, 255}, unsigned(ds.sample(3)), "b/p8t.png: colour kept, alpha dropped");
        assertArrayEquals(new int[]{0x11, 0x22, 0x33, 0x44, 0x55, 0x66}, unsigned(ds.sample(4)), "RGBA: not premultiplied");
        Dataset gray = folder("alpha", 1, 2, 1);
        assertArrayEquals(new int[]{200, 50}, unsigned(gray.sample(0)), "gray+alpha read from the raster");
        assertArrayEquals(new int[]{76, 29}, unsigned(gray.sample(2)), "palette red / blue as BT.601 luma");
    }

    // ---------------------------------------------------------------- 4. nested class folders

    @Test
    void classWhoseImagesSitOneFolderDeeperStaysEmptyWithANote() throws Exception {
        Path d = rootDir.resolve("nest");
        for (int i = 0; i < 12; i++) {
            gray(d.resolve("cat/images/" + i + ".png"), 2, 2, i);
        }
        gray(d.resolve("dog/1.png"), 2, 2, 0);
        gray(d.resolve("dog/2.png"), 2, 2, 0);
        Dataset ds = folder("nest", 2, 2, 1);
        assertEquals(List.of("cat", "dog"), ds.classNames());
        assertArrayEquals(new int[]{0, 2}, ds.classHistogram(), "not recursed into");
        assertEquals(List.of("class 'cat' has no image directly in cat/ but 12 in sub-folders (cat/images/): images must "
                + "sit directly in their class folder"), ds.notes());
        assertEquals(List.of(new Skipped("nest/cat/images", "a folder inside a class folder: not searched (12 images in it)")),
                ds.ignored());

        // The whole dataset one level too deep: the error carries the note that explains it.
        gray(d.resolve("../deep/all/cat/1.png"), 2, 2, 0);
        LoadException e = assertThrows(LoadException.class, () -> folder("deep", 2, 2, 1));
        assertContains(e.getMessage(), "no valid image in 'deep'", "class 'all' has no image directly in all/ but 1 in sub-folders (all/cat/)");
    }

    // ---------------------------------------------------------------- 5. given splits (folders)

    private void splitTree(String path, String train, String val, String... extra) throws IOException {
        Path d = rootDir.resolve(path);
        gray(d.resolve(train + "/cat/c1.png"), 2, 2, 1);
        gray(d.resolve(train + "/cat/c2.png"), 2, 2, 2);
        gray(d.resolve(train + "/dog/d1.png"), 2, 2, 3);
        gray(d.resolve(val + "/cat/c9.png"), 2, 2, 4);
        gray(d.resolve(val + "/dog/d9.png"), 2, 2, 5);
        for (String e : extra) {
            gray(d.resolve(e), 2, 2, 6);
        }
    }

    @Test
    void trainAndValFoldersAreTheGivenSplit() throws Exception {
        splitTree("tv", "train", "val");
        Dataset ds = folder("tv", null);
        assertEquals(List.of("cat", "dog"), ds.classNames());
        assertEquals(List.of("tv/train/cat/c1.png", "tv/train/cat/c2.png", "tv/train/dog/d1.png", "tv/val/cat/c9.png",
                "tv/val/dog/d9.png"), sources(ds), "train first, then val; paths relative to the data root");
        assertEquals("folders train/ and val/", ds.givenSplit().description());
        assertArrayEquals(new int[]{3, 4}, ds.givenSplit().val());
        assertArrayEquals(new int[]{0, 0, 1, 0, 1}, Arrays.stream(ds.allIndices()).map(ds::label).toArray());
        assertEquals(List.of(), ds.notes());
        Dataset again = folder("tv", null);
        assertEquals(sources(ds), sources(again), "deterministic order");
        for (int i = 0; i < ds.size(); i++) {
            assertArrayEquals(ds.sample(i), again.sample(i));
        }
    }

    @Test
    void valAndTestFoldersKeepTestOutAndAnyCaseAndAliasWorks() throws Exception {
        splitTree("tvt", "Train", "Validation", "test/cat/t1.png", "test/dog/t2.png", "Train/bird/b1.png");
        Dataset ds = folder("tvt", null);
        assertEquals(List.of("bird", "cat", "dog"), ds.classNames());
        assertEquals("folders Train/ and Validation/", ds.givenSplit().description());
        assertArrayEquals(new int[]{4, 5}, ds.givenSplit().val());
        assertEquals(List.of("test/ (2 images) left out: keep the test split for the end",
                "class 'bird' has 1 image in Train/ but none in Validation/"), ds.notes());
        assertTrue(sources(ds).stream().noneMatch(s -> s.contains("test/")));
    }

    @Test
    void onlyATestFolderIsTheValSideAndAValOnlyClassIsNoted() throws Exception {
        splitTree("tt", "train", "TEST", "TEST/fox/f1.png");
        Dataset ds = folder("tt", null);
        assertEquals(List.of("cat", "dog", "fox"), ds.classNames());
        assertEquals("folders train/ and TEST/", ds.givenSplit().description());
        assertArrayEquals(new int[]{3, 4, 5}, ds.givenSplit().val());
        assertEquals(List.of("class 'fox' has 1 image in TEST/ but none in train/"), ds.notes());
        assertArrayEquals(new int[]{3, 2, 1}, ds.classHistogram());
    }

    @Test
    void givenSplitFalsePoolsTrainAndVal() throws Exception {
        splitTree("pool", "train", "valid");
        Dataset ds = folder("pool", false);
        assertNull(ds.givenSplit());
        assertEquals(5, ds.size());
        assertEquals(List.of("givenSplit=false: train/ (3 images) and valid/ (2 images) pooled; Preflight splits them"), ds.notes());
    }

    @Test
    void anUnlabelledTestFolderGivesNoSplit() throws Exception {
        // Kaggle's layout: labelled train/, a heap of unlabelled images in test/.
        splitTree("kaggle", "train", "train", "test/1.png", "test/2.png");
        Files.writeString(rootDir.resolve("kaggle/sample_submission.csv"), "id,label\n");
        Dataset ds = folder("kaggle", null);
        assertNull(ds.givenSplit());
        assertEquals(5, ds.size());
        assertEquals(List.of("test/ has no class folders (2 images directly in it: unlabelled?): left out, no given split, "
                + "Preflight splits train/"), ds.notes());
        assertEquals(List.of(new Skipped("kaggle/sample_submission.csv", "not an image: .csv")), ds.ignored());
    }

    @Test
    void twoFoldersForTheValSideAreAnError() throws Exception {
        splitTree("both", "train", "val", "valid/cat/x.png");
        LoadException e = assertThrows(LoadException.class, () -> folder("both", null));
        assertContains(e.getMessage(), "both/val", "both/valid", "same split side");
    }

    // ---------------------------------------------------------------- 6. given splits (IDX)

    @Test
    void mnistsFourFilesLoadAsOneDatasetWithTheT10kSplit() throws Exception {
        Path d = rootDir.resolve("mnist");
        mnist(d, "train-", "t10k-", ".gz", true);
        // Copied from a Mac: resource forks that match the name patterns, and a README.
        write(d.resolve("._train-images-idx3-ubyte.gz"), new byte[]{0, 5, 22, 7});
        write(d.resolve("._t10k-labels-idx1-ubyte.gz"), new byte[]{0, 5, 22, 7});
        Files.writeString(d.resolve("README.txt"), "MNIST");

        Dataset ds = idx("mnist", null, null, null);
        assertEquals(10, ds.size());
        assertEquals("files train-* and t10k-*", ds.givenSplit().description());
        assertArrayEquals(new int[]{6, 7, 8, 9}, ds.givenSplit().val());
        assertEquals("train-images-idx3-ubyte.gz#5", ds.source(5));
        assertEquals("t10k-images-idx3-ubyte.gz#0", ds.source(6));
        assertEquals("t10k-images-idx3-ubyte.gz#3", ds.source(9));
        assertEquals(100, u(ds.sample(6)[0]), "test images follow the train images");
        assertEquals(104, ds.numClasses(), "labels as stored: largest + 1, never remapped");
        assertEquals(103, ds.label(9));
    }

    @Test
    void emnistNamesPairTrainAndTestToo() throws Exception {
        mnist(rootDir.resolve("emnist"), "emnist-balanced-train-", "emnist-balanced-test-", "", false);
        Dataset ds = idx("emnist", null, null, null);
        assertEquals("files emnist-balanced-train-* and emnist-balanced-test-*", ds.givenSplit().description());
        assertArrayEquals(new int[]{6, 7, 8, 9}, ds.givenSplit().val());
        assertEquals("emnist-balanced-test-images-idx3-ubyte#0", ds.source(6));
    }

    @Test
    void namedFilesSelectExactlyOnePairAndGivenSplitFalsePools() throws Exception {
        mnist(rootDir.resolve("m"), "train-", "t10k-", ".gz", true);
        Dataset test = idx("m", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", null);
        assertEquals(4, test.size());
        assertNull(test.givenSplit());
        assertEquals("t10k-images-idx3-ubyte.gz#1", test.source(1));

        Dataset pooled = idx("m", null, null, false);
        assertEquals(10, pooled.size());
        assertNull(pooled.givenSplit());
        assertEquals(List.of("givenSplit=false: train-* (6 samples) and t10k-* (4 samples) pooled; Preflight splits them"),
                pooled.notes());
    }

    @Test
    void ambiguousIdxFilesAreAnErrorNamingThem() throws Exception {
        Path d = rootDir.resolve("many");
        mnist(d, "emnist-balanced-train-", "emnist-balanced-test-", "", false);
        mnist(d, "emnist-digits-train-", "emnist-digits-test-", "", false);
        LoadException e = assertThrows(LoadException.class, () -> idx("many", null, null, null));
        assertContains(e.getMessage(), "idx:", "many", "emnist-balanced-train-images-idx3-ubyte",
                "emnist-digits-test-labels-idx1-ubyte", "'images' and 'labels' options");
        assertTrue(!e.getMessage().contains("\n"), "one line");

        // Two train images files without test ones (a raw and a gzipped copy) are ambiguous as well.
        Path g = rootDir.resolve("copies");
        idxPair(g, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 3, 2, 0, false);
        idxPair(g, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 3, 2, 0, true);
        assertContains(assertThrows(LoadException.class, () -> idx("copies", null, null, null)).getMessage(),
                "[train-images-idx3-ubyte, train-images-idx3-ubyte.gz,");
    }

    // ---------------------------------------------------------------- 7. segmentation

    @Test
    void segmentationListsSourcesIgnoresSidecarsAndNotesJpegMasks() throws Exception {
        Path d = rootDir.resolve("seg");
        gray(d.resolve("images/a.png"), 4, 4, 10);
        Files.writeString(d.resolve("images/a.json"), "{}");
        write(d.resolve("images/.DS_Store"), new byte[]{0});
        write(d.resolve("images/._a.png"), new byte[]{0, 5, 22, 7});
        write(d.resolve("images/b.JPG"), encode(solid(4, 4, 0x808080), "jpg"));
        TestFiles.maskPng(d.resolve("masks/a.png"), 4, 4, 1);
        BufferedImage jm = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        write(d.resolve("masks/b.jpg"), encode(jm, "jpg"));
        write(d.resolve("masks/Thumbs.db"), new byte[]{1});
        Files.writeString(d.resolve("masks/classes.txt"), "background\nthing\n");

        Dataset ds = SegmentationLoader.load("t", root.resolve("seg"), reg("segmentation", "seg", List.of(4, 4, 1), null, null, null), root);
        assertEquals(List.of("seg/images/a.png", "seg/images/b.JPG"), sources(ds));
        assertEquals(List.of(), ds.skipped());
        assertEquals(List.of(new Skipped("seg/masks/classes.txt", "not an image: .txt"),
                new Skipped("seg/images/a.json", "not an image: .json")), ds.ignored());
        assertEquals(List.of("1 mask(s) stored as JPEG (first seg/masks/b.jpg): lossy compression invents class ids at "
                + "object edges: store masks as PNG"), ds.notes());
    }

    @Test
    void segmentationMasksAreTakenAsStored() throws Exception {
        Path d = rootDir.resolve("bin");
        gray(d.resolve("images/a.png"), 2, 2, 10);
        gray(d.resolve("images/b.png"), 2, 2, 20);
        TestFiles.maskPng(d.resolve("masks/a.png"), 2, 2, 255);
        TestFiles.maskPng(d.resolve("masks/b.png"), 2, 2, 255);
        Dataset ds = SegmentationLoader.load("t", root.resolve("bin"), reg("segmentation", "bin", List.of(2, 2, 1), null, null, null), root);
        assertEquals(256, ds.numClasses(), "0/255 masks are diagnosed by the data check, not remapped here");
        assertArrayEquals(new int[]{255, 0, 255, 0}, unsigned(ds.mask(0)));
        assertEquals(List.of(), ds.notes());
    }
}
