package dev.preflight.data.load;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small dataset files for tests: made in code, never taken from ../shared. */
public final class TestFiles {

    private TestFiles() {
    }

    /** A gray PNG of the given size whose pixel (x, y) is {@code (base + x + y) & 0xFF}. */
    public static void grayPng(Path file, int w, int h, int base) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, (base + x + y) & 0xFF);
            }
        }
        write(file, img, "png");
    }

    /** A gray PNG with the given levels, row-major. */
    public static void grayPngValues(Path file, int w, int h, int... values) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < values.length; i++) {
            img.getRaster().setSample(i % w, i / w, 0, values[i]);
        }
        write(file, img, "png");
    }

    public static void rgbImage(Path file, int w, int h, int rgb, String format) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        write(file, img, format);
    }

    /** A mask PNG (gray levels = class ids): class {@code id} in the left half, 0 in the right. */
    public static void maskPng(Path file, int w, int h, int id) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, x < w / 2 ? id : 0);
            }
        }
        write(file, img, "png");
    }

    private static void write(Path file, BufferedImage img, String format) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, format, file.toFile())) {
            throw new IOException("no writer for " + format);
        }
    }

    /** IDX images (magic 0x803) and labels (0x801): image i is filled with value i, label i % classes. */
    public static void idx(Path dir, int n, int side, int classes, boolean gzip) throws IOException {
        ByteBuffer img = ByteBuffer.allocate(16 + n * side * side).putInt(0x803).putInt(n).putInt(side).putInt(side);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < side * side; p++) {
                img.put((byte) i);
            }
        }
        ByteBuffer lab = ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) {
            lab.put((byte) (i % classes));
        }
        String ext = gzip ? ".gz" : "";
        bytes(dir.resolve("train-images-idx3-ubyte" + ext), img.array(), gzip);
        bytes(dir.resolve("train-labels-idx1-ubyte" + ext), lab.array(), gzip);
    }

    public static void bytes(Path file, byte[] content, boolean gzip) throws IOException {
        Files.createDirectories(file.getParent());
        if (!gzip) {
            Files.write(file, content);
            return;
        }
        ByteArrayOutputStream bout = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bout)) {
            out.write(content);
        }
        Files.write(file, bout.toByteArray());
    }
}
