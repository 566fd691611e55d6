package dev.preflight.gateway.tensorboard;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The few protobuf messages a scalar/image event file needs, encoded by hand: TensorFlow's {@code Event} and
 * {@code Summary} (tensorflow/core/util/event.proto, tensorflow/core/framework/summary.proto). Hand-written rather
 * than from {@code org.tensorflow.proto} so the gateway carries neither TensorFlow's 4 MB proto jar nor a protobuf
 * runtime for some twenty lines of encoding; the tests decode the output with those generated classes.
 *
 * <p>Field numbers: Event {wall_time=1 double, step=2 int64, file_version=3 string, summary=5 Summary};
 * Summary {value=1 repeated Value}; Value {tag=1 string, simple_value=2 float, image=4 Image};
 * Image {height=1 int32, width=2 int32, colorspace=3 int32, encoded_image_string=4 bytes}.
 */
public final class EventProtos {

    /** Version string TensorBoard expects in the first event of a file. */
    public static final String FILE_VERSION = "brain.Event:2";

    /** One scalar of a summary: TensorBoard plots each tag as a curve over steps. */
    public record Scalar(String tag, float value) {
    }

    /** An encoded image (PNG) with the dimensions TensorBoard shows; colorspace 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
    public record Image(String tag, int height, int width, int colorspace, byte[] encoded) {
    }

    private EventProtos() {
    }

    public static byte[] fileVersionEvent(double wallTime) {
        Buf event = new Buf();
        event.fixed64(1, Double.doubleToRawLongBits(wallTime));
        event.bytes(3, FILE_VERSION.getBytes(StandardCharsets.UTF_8));
        return event.toByteArray();
    }

    public static byte[] scalarsEvent(double wallTime, long step, List<Scalar> scalars) {
        Buf summary = new Buf();
        for (Scalar s : scalars) {
            Buf value = new Buf();
            value.bytes(1, s.tag().getBytes(StandardCharsets.UTF_8));
            value.fixed32(2, Float.floatToRawIntBits(s.value()));
            summary.bytes(1, value.toByteArray());
        }
        return event(wallTime, step, summary.toByteArray());
    }

    public static byte[] imageEvent(double wallTime, long step, Image image) {
        Buf img = new Buf();
        img.varint(1, image.height());
        img.varint(2, image.width());
        img.varint(3, image.colorspace());
        img.bytes(4, image.encoded());
        Buf value = new Buf();
        value.bytes(1, image.tag().getBytes(StandardCharsets.UTF_8));
        value.bytes(4, img.toByteArray());
        Buf summary = new Buf();
        summary.bytes(1, value.toByteArray());
        return event(wallTime, step, summary.toByteArray());
    }

    private static byte[] event(double wallTime, long step, byte[] summary) {
        Buf event = new Buf();
        event.fixed64(1, Double.doubleToRawLongBits(wallTime));
        event.varint(2, step);
        event.bytes(5, summary);
        return event.toByteArray();
    }

    /** Protobuf wire encoding: tag = field << 3 | wire type; 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
    private static final class Buf extends ByteArrayOutputStream {

        void varint(int field, long value) {
            rawVarint((long) field << 3);
            rawVarint(value);
        }

        void fixed64(int field, long bits) {
            rawVarint(((long) field << 3) | 1);
            for (int i = 0; i < 8; i++) {
                write((int) (bits >>> (8 * i)) & 0xff);
            }
        }

        void fixed32(int field, int bits) {
            rawVarint(((long) field << 3) | 5);
            for (int i = 0; i < 4; i++) {
                write((bits >>> (8 * i)) & 0xff);
            }
        }

        void bytes(int field, byte[] data) {
            rawVarint(((long) field << 3) | 2);
            rawVarint(data.length);
            write(data, 0, data.length);
        }

        private void rawVarint(long v) {
            while ((v & ~0x7fL) != 0) {
                write((int) ((v & 0x7f) | 0x80));
                v >>>= 7;
            }
            write((int) v);
        }
    }
}
