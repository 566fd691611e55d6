package dev.preflight.report;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/** Small inline PNGs of stored uint8 images for report galleries (PNG encoding is the JDK's ImageIO). */
final class Thumbnails {

    /** Thumbnails are enlarged (nearest neighbour, whole multiples) to at least this many pixels on their long side. */
    static final int MIN_SIDE = 56;

    private Thumbnails() {
    }

    /**
     * @param shape  [h, w, c]: c = 3 is RGB, any other c is shown as the gray of its first channel; [h, w] is gray
     * @param pixels h × w × c stored values, row-major
     * @return a {@code data:image/png;base64,} URI, or null when {@code shape} is not an image's
     */
    static String dataUri(int[] shape, byte[] pixels) {
        if (shape == null || shape.length < 2 || shape.length > 3) {
            return null;
        }
        int h = shape[0];
        int w = shape[1];
        int c = shape.length == 3 ? shape[2] : 1;
        int scale = Math.max(1, (MIN_SIDE + Math.max(h, w) - 1) / Math.max(h, w));
        BufferedImage img = new BufferedImage(w * scale, h * scale, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h * scale; y++) {
            for (int x = 0; x < w * scale; x++) {
                int at = ((y / scale) * w + x / scale) * c;
                int r = pixels[at] & 0xFF;
                int rgb = c == 3 ? (r << 16) | ((pixels[at + 1] & 0xFF) << 8) | (pixels[at + 2] & 0xFF) : (r << 16) | (r << 8) | r;
                img.setRGB(x, y, rgb);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a thumbnail", e);
        }
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    }
}
