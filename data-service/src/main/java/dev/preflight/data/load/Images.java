package dev.preflight.data.load;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Reading image files into fixed-shape uint8 samples, with resizing written out here so it is the same everywhere.
 * The format is told by the file's content, not its name (a scraped "photo.jpg" is often WebP or PNG), and damage that
 * ImageIO decodes without an exception (a cut-off JPEG comes out with a grey lower half) is caught and reported.
 */
final class Images {

    static {
        // Loaders run in a server: never let ImageIO touch a display or cache to a temp dir on disk.
        System.setProperty("java.awt.headless", "true");
        ImageIO.setUseCache(false);
    }

    private Images() {
    }

    static String baseName(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /**
     * The first image (GIF frame, TIFF page) of a PNG, JPEG, BMP, GIF or TIFF file.
     *
     * @throws IOException with a one-line reason when the file is empty, in a format ImageIO cannot read (WebP, HEIC,
     *                     AVIF, JPEG XL: the reason suggests converting), a CMYK/YCCK JPEG, truncated (a JPEG whose
     *                     data ends early or lacks its EOI marker, a PNG cut inside its image data) or otherwise corrupt
     */
    static BufferedImage read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length == 0) {
            throw new IOException("empty file (0 bytes)");
        }
        String format = sniff(bytes);
        String ext = DataFiles.extension(file);
        if (format == null) {
            throw new IOException("not a readable image: its content is not PNG, JPEG, BMP, GIF or TIFF");
        }
        // A wrong extension is worth saying: it is how a WebP passes for a JPEG until someone decodes it.
        String misnamed = ext.isEmpty() ? " (no file extension)" : sameFormat(format, ext) ? "" : " (named ." + ext + ")";
        if (List.of("WebP", "HEIC", "AVIF", "JPEG XL").contains(format)) {
            throw new IOException(format + " image" + misnamed + ": ImageIO cannot read " + format
                    + "; convert it to PNG or JPEG (e.g. magick x." + format.toLowerCase(Locale.ROOT).replace(" ", "")
                    + " x.png)");
        }
        JpegInfo jpeg = format.equals("JPEG") ? JpegInfo.of(bytes) : null;
        if (jpeg != null && jpeg.components() == 4) {
            // Photoshop's print JPEGs: ImageIO either refuses them ("Unsupported Image Type") or, without an ICC
            // profile, hands back the ink values as if they were colours. Neither is the picture.
            throw new IOException("CMYK/YCCK JPEG" + misnamed + ": ImageIO cannot read its colours (4 ink channels, "
                    + "saved for print); convert it to RGB (e.g. magick x.jpg -colorspace sRGB x.jpg)");
        }
        List<String> warnings = new ArrayList<>();
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("no ImageIO reader for this " + format + " file" + misnamed);
            }
            ImageReader reader = readers.next();
            // libjpeg reports a cut-off file only as a warning and fills the rest with grey; listen for it.
            reader.addIIOReadWarningListener((source, message) -> warnings.add(message));
            try {
                reader.setInput(in, true, true);
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // Some decoders throw unchecked exceptions on corrupt streams; that is still just a bad file.
            if (format.equals("PNG") && !pngHasIend(bytes)) {
                throw new IOException("truncated PNG" + misnamed + ": the file ends inside its image data", e);
            }
            if (jpeg != null && !jpeg.eoi()) {
                throw new IOException("truncated JPEG" + misnamed + ": premature end of data", e);
            }
            throw new IOException("corrupt " + format + misnamed + ": " + describe(e), e);
        }
        if (jpeg != null && (!jpeg.eoi() || warnings.stream().anyMatch(Images::isTruncationWarning))) {
            throw new IOException("truncated JPEG" + misnamed + ": premature end of data");
        }
        if (img == null || img.getWidth() < 1 || img.getHeight() < 1) {
            throw new IOException("image is empty");
        }
        return img;
    }

    /** What libjpeg (and the JDK around it) say about a file that stops early. */
    private static boolean isTruncationWarning(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("premature end") || m.contains("missing eoi") || m.contains("truncated");
    }

    private static String describe(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable cause = e.getCause();
        return cause != null && cause.getMessage() != null && !m.contains(cause.getMessage()) ? m + " (" + cause.getMessage() + ")" : m;
    }

    private static boolean sameFormat(String format, String ext) {
        return switch (format) {
            case "JPEG" -> ext.equals("jpg") || ext.equals("jpeg");
            case "TIFF" -> ext.equals("tif") || ext.equals("tiff");
            case "HEIC" -> ext.equals("heic") || ext.equals("heif");
            case "JPEG XL" -> ext.equals("jxl");
            default -> ext.equals(format.toLowerCase(Locale.ROOT));
        };
    }

    /** The image format by its magic bytes, or null. */
    static String sniff(byte[] b) {
        if (startsWith(b, 0, 0x89, 'P', 'N', 'G')) {
            return "PNG";
        }
        if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) {
            return "JPEG";
        }
        if (startsWith(b, 0, 'G', 'I', 'F', '8')) {
            return "GIF";
        }
        if (startsWith(b, 0, 'B', 'M')) {
            return "BMP";
        }
        if (startsWith(b, 0, 'I', 'I', '*', 0) || startsWith(b, 0, 'M', 'M', 0, '*')) {
            return "TIFF";
        }
        if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) {
            return "WebP";
        }
        if (startsWith(b, 4, 'f', 't', 'y', 'p') && b.length >= 12) {
            String brand = new String(b, 8, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (brand.equals("avif") || brand.equals("avis")) {
                return "AVIF";
            }
            if (List.of("heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1").contains(brand)) {
                return "HEIC";
            }
        }
        if (startsWith(b, 0, 0xFF, 0x0A) || startsWith(b, 4, 'J', 'X', 'L', ' ')) {
            return "JPEG XL";
        }
        return null;
    }

    private static boolean startsWith(byte[] b, int offset, int... magic) {
        if (b.length < offset + magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((b[offset + i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the PNG's chunk sequence is complete up to IEND; a cut file ends inside a chunk. */
    static boolean pngHasIend(byte[] b) {
        long i = 8;
        while (i + 8 <= b.length) {
            int at = (int) i;
            long len = ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
            if (b[at + 4] == 'I' && b[at + 5] == 'E' && b[at + 6] == 'N' && b[at + 7] == 'D') {
                return true;
            }
            i += 12 + len;
        }
        return false;
    }

    /**
     * What the JPEG's marker structure says: the number of colour components of its frame, and whether an EOI marker
     * (FF D9) ends it. Walked marker by marker rather than looking at the last two bytes, because phones append data
     * after EOI (motion-photo video) and an EXIF thumbnail carries an EOI of its own inside APP1.
     */
    record JpegInfo(int components, boolean eoi) {

        static JpegInfo of(byte[] b) {
            int components = 0;
            int i = 2;
            while (i + 1 < b.length) {
                if ((b[i] & 0xFF) != 0xFF) {
                    i++; // a stray byte between segments; libjpeg skips it too
                    continue;
                }
                int m = b[i + 1] & 0xFF;
                if (m == 0xFF) {
                    i++; // fill byte
                    continue;
                }
                if (m == 0xD9) {
                    return new JpegInfo(components, true);
                }
                if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
                    i += 2; // markers without a length
                    continue;
                }
                if (i + 3 >= b.length) {
                    break;
                }
                int len = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
                boolean sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
                if (sof && components == 0 && i + 9 < b.length) {
                    components = b[i + 9] & 0xFF;
                }
                i += 2 + len;
                if (m == 0xDA) {
                    // Entropy-coded data up to the next marker; FF 00 is an escaped data byte, FF D0..D7 a restart.
                    while (i + 1 < b.length) {
                        if ((b[i] & 0xFF) == 0xFF) {
                            int n = b[i + 1] & 0xFF;
                            if (n == 0 || (n >= 0xD0 && n <= 0xD7)) {
                                i += 2;
                                continue;
                            }
                            if (n != 0xFF) {
                                break;
                            }
                        }
                        i++;
                    }
                }
            }
            return new JpegInfo(components, false);
        }
    }

    /**
     * The image as h x w x c uint8, resized with {@link Resampling#resample}: grayscale is ITU-R BT.601 luma of the sRGB
     * values, RGB keeps the channels; alpha is dropped and the stored colour kept (what PIL's convert("RGB") does, so
     * a network sees what it would see in PyTorch).
     */
    static void toSample(BufferedImage img, int h, int w, int c, byte[] out, int offset) {
        int sh = img.getHeight();
        int sw = img.getWidth();
        float[] src = new float[sh * sw * c];
        // Gray images are read from the raster: getRGB would pass them through a linear-to-sRGB conversion and
        // change every level (a stored 128 would come out brighter), so the data would not be what is in the file.
        // Their levels are scaled from the stored bit depth to 0..255: a 1-bit 1 is white (255), not 1, and a 16-bit
        // level is not just its high byte's neighbour of black.
        Raster raster = img.getRaster();
        ColorModel cm = img.getColorModel();
        boolean gray = !(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        float scale = 255f / ((1 << cm.getComponentSize(0)) - 1);
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                if (gray) {
                    float v = raster.getSample(x, y, 0) * scale;
                    for (int ch = 0; ch < c; ch++) {
                        src[(y * sw + x) * c + ch] = v;
                    }
                    continue;
                }
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                int p = (y * sw + x) * c;
                if (c == 1) {
                    src[p] = (299 * r + 587 * g + 114 * b) / 1000f;
                } else {
                    src[p] = r;
                    src[p + 1] = g;
                    src[p + 2] = b;
                }
            }
        }
        float[] dst = Resampling.resample(src, sh, sw, c, h, w);
        for (int i = 0; i < dst.length; i++) {
            out[offset + i] = (byte) Math.max(0, Math.min(255, Math.round(dst[i])));
        }
    }

    /** The first band's raw sample values (a palette PNG's indices, a gray PNG's levels) resized nearest-neighbour. */
    static int[] maskValues(BufferedImage img, int h, int w) {
        int sh = img.getHeight();
        int sw = img.getWidth();
        int[] out = new int[h * w];
        for (int y = 0; y < h; y++) {
            int sy = Math.min(sh - 1, (int) ((y + 0.5) * sh / h));
            for (int x = 0; x < w; x++) {
                int sx = Math.min(sw - 1, (int) ((x + 0.5) * sw / w));
                out[y * w + x] = img.getRaster().getSample(sx, sy, 0);
            }
        }
        return out;
    }

    static int[] shape(Registration r, String format) {
        List<Integer> s = r.imageShape();
        if (s == null || s.size() != 3 || s.stream().anyMatch(v -> v == null)) {
            throw new LoadException(format + ": imageShape [h, w, c] is required");
        }
        int h = s.get(0);
        int w = s.get(1);
        int c = s.get(2);
        if (h < 1 || h > 1024 || w < 1 || w > 1024) {
            throw new LoadException(format + ": imageShape height and width must be in [1, 1024], were " + h + " x " + w);
        }
        if (c != 1 && c != 3) {
            throw new LoadException(format + ": imageShape channels must be 1 (grayscale) or 3 (RGB), was " + c);
        }
        return new int[]{h, w, c};
    }
}
