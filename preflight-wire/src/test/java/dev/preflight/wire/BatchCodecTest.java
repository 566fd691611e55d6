package dev.preflight.wire;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchCodecTest {

    static Batch uint8Batch() {
        byte[] data = new byte[3 * 4 * 4];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        return new Batch(42, 3, DType.UINT8, new int[]{4, 4, 1}, 5, new int[]{0, 4, 2}, data);
    }

    @Test
    void uint8RoundTripIsExact() {
        Batch b = uint8Batch();
        byte[] bytes = BatchCodec.encode(b);
        Batch back = BatchCodec.decode(bytes);
        assertEquals(b, back);
        assertEquals(42, back.index());
        assertEquals(3, back.epoch());
        // 4 magic + 2 + 12 dims + 4 classes + 8 index + 4 epoch + 4 count + 12 labels + 1 flags + 48 data
        assertEquals(99, bytes.length);
    }

    @Test
    void optionalPartsRoundTrip() {
        Batch plain = uint8Batch();
        byte[] masks = new byte[3 * 4 * 4];
        for (int i = 0; i < masks.length; i++) {
            masks[i] = (byte) (i % 5);
        }
        Batch seg = new Batch(1, 0, DType.UINT8, new int[]{4, 4, 1}, 5, new int[3], plain.data(), masks, null, 0,
                new int[]{10, 0, 3, 3, 1}, new float[]{0.5f, 0f, 1.5f, 1.5f, 2f});
        assertEquals(seg, BatchCodec.decode(BatchCodec.encode(seg)));
        Batch reg = new Batch(2, 0, DType.UINT8, new int[]{4, 4, 1}, 1, new int[3], plain.data(), null,
                new float[]{1f, -2f, 3f, 4f, 5f, 6f}, 2, null, null);
        assertEquals(reg, BatchCodec.decode(BatchCodec.encode(reg)));
    }

    @Test
    void maskValueOutsideClassesIsRejected() {
        byte[] masks = new byte[3 * 4 * 4];
        masks[7] = 9;
        Batch seg = new Batch(1, 0, DType.UINT8, new int[]{4, 4, 1}, 5, new int[3], uint8Batch().data(), masks, null, 0, null, null);
        WireFormatException e = assertThrows(WireFormatException.class, () -> BatchCodec.decode(BatchCodec.encode(seg)));
        assertTrue(e.getMessage().contains("mask value 9"), e.getMessage());
    }

    @Test
    void float32RoundTripKeepsEveryBit() {
        float[] values = {0f, -1.5f, Float.MIN_VALUE, 3.14159f, 1e-30f, 42f};
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4);
        buf.asFloatBuffer().put(values);
        Batch b = new Batch(0, 0, DType.FLOAT32, new int[]{2}, 2, new int[]{0, 1, 1}, buf.array());
        Batch back = BatchCodec.decode(BatchCodec.encode(b));
        assertArrayEquals(values, back.features());
    }

    @Test
    void uint8FeaturesAreScaledToUnitRange() {
        byte[] data = {0, (byte) 255, (byte) 51};
        Batch b = new Batch(0, 0, DType.UINT8, new int[]{3}, 2, new int[]{1}, data);
        assertArrayEquals(new float[]{0f, 1f, 0.2f}, b.features(), 1e-7f);
    }

    @Test
    void truncatedDataIsAnErrorThatSaysSo() {
        byte[] bytes = BatchCodec.encode(uint8Batch());
        WireFormatException e = assertThrows(WireFormatException.class,
                () -> BatchCodec.decode(Arrays.copyOf(bytes, bytes.length - 5)));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void truncatedHeaderIsAnError() {
        byte[] bytes = BatchCodec.encode(uint8Batch());
        WireFormatException e = assertThrows(WireFormatException.class, () -> BatchCodec.decode(Arrays.copyOf(bytes, 10)));
        assertTrue(e.getMessage().contains("header truncated"), e.getMessage());
    }

    @Test
    void trailingBytesAreAnError() {
        byte[] bytes = BatchCodec.encode(uint8Batch());
        WireFormatException e = assertThrows(WireFormatException.class, () -> BatchCodec.decode(Arrays.copyOf(bytes, bytes.length + 1)));
        assertTrue(e.getMessage().contains("trailing"), e.getMessage());
    }

    @Test
    void wrongMagicIsNamed() {
        byte[] bytes = BatchCodec.encode(uint8Batch());
        bytes[0] = 'X';
        WireFormatException e = assertThrows(WireFormatException.class, () -> BatchCodec.decode(bytes));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void labelOutsideClassesIsRejected() {
        byte[] bytes = BatchCodec.encode(uint8Batch());
        // first label sits after magic(4) dtype(1) rank(1) dims(12) classes(4) index(8) epoch(4) count(4) = 38
        ByteBuffer.wrap(bytes).putInt(38, 9);
        WireFormatException e = assertThrows(WireFormatException.class, () -> BatchCodec.decode(bytes));
        assertTrue(e.getMessage().contains("label[0] = 9"), e.getMessage());
    }

    @Test
    void garbageAndEmptyAreErrors() {
        assertThrows(WireFormatException.class, () -> BatchCodec.decode(new byte[0]));
        assertThrows(WireFormatException.class, () -> BatchCodec.decode("hello world".getBytes()));
        assertThrows(WireFormatException.class, () -> BatchCodec.decode(null));
    }
}
