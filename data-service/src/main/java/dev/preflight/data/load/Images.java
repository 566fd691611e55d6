package dev.preflight.data.load;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Reading PNG/JPEG files into fixed-shape uint8 samples, with resizing written out here so it is the same everywhere. */
final class Images {

    static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg");

    static {
        // Loaders run in a server: never let ImageIO touch a display or cache to a temp dir on disk.
        System.setProperty("java.awt.headless", "true");
        ImageIO.setUseCache(false);
    }

    private Images() {
    }

    static boolean isImageFile(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    static String baseName(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /** @throws IOException with the reason when the file is not a readable PNG/JPEG */
    static BufferedImage read(Path file) throws IOException {
        BufferedImage img;
        try (InputStream in = Files.newInputStream(file)) {
            img = ImageIO.read(in);
        } catch (RuntimeException e) {
            // Some decoders throw unchecked exceptions on corrupt streams; that is still just a bad file.
            throw new IOException("decoder failed: " + e, e);
        }
        if (img == null) {
            throw new IOException("not a readable PNG or JPEG image");
        }
        if (img.getWidth() < 1 || img.getHeight() < 1) {
            throw new IOException("image is empty");
        }
        return img;
    }

    /**
     * The image as h x w x c uint8, resized with {@link #resample}: grayscale is ITU-R BT.601 luma of the sRGB
     * values, RGB keeps the channels; alpha is ignored.
     */
    static void toSample(BufferedImage img, int h, int w, int c, byte[] out, int offset) {
        int sh = img.getHeight();
        int sw = img.getWidth();
        float[] src = new float[sh * sw * c];
        // Gray images are read from the raster: getRGB would pass them through a linear-to-sRGB conversion and
        // change every level (a stored 128 would come out brighter), so the data would not be what is in the file.
        java.awt.image.Raster raster = img.getRaster();
        boolean gray = raster.getNumBands() <= 2 && !(img.getColorModel() instanceof java.awt.image.IndexColorModel);
        int shift = Math.max(0, img.getColorModel().getComponentSize(0) - 8);
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                if (gray) {
                    int v = raster.getSample(x, y, 0) >> shift;
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
        float[] dst = resample(src, sh, sw, c, h, w);
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

    /**
     * Separable resize of an h x w x c image: along each axis, area averaging when shrinking (every source pixel
     * contributes by its overlap, so thin strokes do not vanish as they would with point sampling) and bilinear
     * interpolation with half-pixel centres when enlarging.
     */
    static float[] resample(float[] src, int sh, int sw, int c, int th, int tw) {
        float[] rows = new float[sh * tw * c];
        for (int y = 0; y < sh; y++) {
            axis(src, (y * sw) * c, c, sw, rows, (y * tw) * c, c, tw, c);
        }
        float[] out = new float[th * tw * c];
        for (int x = 0; x < tw; x++) {
            axis(rows, x * c, tw * c, sh, out, x * c, tw * c, th, c);
        }
        return out;
    }

    /** One axis: n source samples at stride {@code ss} to m target samples at stride {@code ds}, c channels. */
    private static void axis(float[] s, int so, int ss, int n, float[] d, int dof, int ds, int m, int c) {
        if (m == n) {
            for (int i = 0; i < n; i++) {
                System.arraycopy(s, so + i * ss, d, dof + i * ds, c);
            }
        } else if (m < n) {
            double scale = (double) n / m;
            for (int j = 0; j < m; j++) {
                double lo = j * scale;
                double hi = lo + scale;
                for (int ch = 0; ch < c; ch++) {
                    double sum = 0;
                    for (int i = (int) lo; i < Math.min(n, (int) Math.ceil(hi)); i++) {
                        double overlap = Math.min(hi, i + 1) - Math.max(lo, i);
                        sum += overlap * s[so + i * ss + ch];
                    }
                    d[dof + j * ds + ch] = (float) (sum / scale);
                }
            }
        } else {
            double scale = (double) n / m;
            for (int j = 0; j < m; j++) {
                double pos = Math.max(0, Math.min(n - 1, (j + 0.5) * scale - 0.5));
                int i0 = (int) pos;
                int i1 = Math.min(n - 1, i0 + 1);
                double t = pos - i0;
                for (int ch = 0; ch < c; ch++) {
                    d[dof + j * ds + ch] = (float) ((1 - t) * s[so + i0 * ss + ch] + t * s[so + i1 * ss + ch]);
                }
            }
        }
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
