package dev.preflight.gateway.tensorboard;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/** Just enough PNG to describe an image to TensorBoard: signature check and the IHDR chunk's size and colour type. */
final class Png {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private Png() {
    }

    /** The PNG as a TensorBoard image, empty if the bytes are not a PNG with a well-formed IHDR. */
    static Optional<EventProtos.Image> image(String tag, byte[] png) {
        // Signature (8), IHDR length (4) + "IHDR" (4), width (4), height (4), bit depth (1), colour type (1).
        if (png == null || png.length < 26 || !Arrays.equals(Arrays.copyOf(png, 8), SIGNATURE)
                || png[12] != 'I' || png[13] != 'H' || png[14] != 'D' || png[15] != 'R') {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(png);
        int width = b.getInt(16);
        int height = b.getInt(20);
        int colorspace = switch (png[25]) {
            case 0 -> 1; // greyscale
            case 4 -> 2; // greyscale + alpha
            case 2, 3 -> 3; // RGB, palette (decoded to RGB)
            case 6 -> 4; // RGBA
            default -> -1;
        };
        if (width <= 0 || height <= 0 || colorspace < 0) {
            return Optional.empty();
        }
        return Optional.of(new EventProtos.Image(tag, height, width, colorspace, png));
    }
}
