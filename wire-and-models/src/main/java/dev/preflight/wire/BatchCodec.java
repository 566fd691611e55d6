package dev.preflight.wire;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * Compact binary encoding of a {@link Batch} (big-endian):
 * <pre>
 * "PFB1"            4 bytes magic + version
 * dtype             u8   (1 = uint8, 2 = float32)
 * rank              u8   (1..4), then rank x i32 dims of one sample
 * numClasses        i32
 * index             i64
 * epoch             i32
 * count             i32, then count x i32 labels
 * data              count x prod(dims) x sizeof(dtype) bytes, nothing after
 * </pre>
 * Every field is checked on decode; truncated or trailing bytes are errors that name what is wrong.
 */
public final class BatchCodec {

    static final int MAGIC = 0x50464231; // "PFB1"
    public static final int MAX_SAMPLES = 65_536;

    private BatchCodec() {
    }

    public static byte[] encode(Batch b) {
        int header = 4 + 1 + 1 + 4 * b.sampleShape().length + 4 + 8 + 4 + 4 + 4 * b.size();
        ByteBuffer buf = ByteBuffer.allocate(header + b.data().length);
        buf.putInt(MAGIC).put((byte) b.dtype().code).put((byte) b.sampleShape().length);
        for (int d : b.sampleShape()) {
            buf.putInt(d);
        }
        buf.putInt(b.numClasses()).putLong(b.index()).putInt(b.epoch()).putInt(b.size());
        for (int label : b.labels()) {
            buf.putInt(label);
        }
        buf.put(b.data());
        return buf.array();
    }

    public static Batch decode(byte[] bytes) {
        if (bytes == null || bytes.length < 4) {
            throw new WireFormatException("batch record is empty or shorter than its magic");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        try {
            int magic = buf.getInt();
            if (magic != MAGIC) {
                throw new WireFormatException(String.format("not a Preflight batch: magic 0x%08x, expected 0x%08x", magic, MAGIC));
            }
            DType dtype = DType.ofCode(buf.get());
            int rank = buf.get();
            if (rank < 1 || rank > 4) {
                throw new WireFormatException("batch sample rank " + rank + " outside [1, 4]");
            }
            int[] shape = new int[rank];
            long sampleSize = 1;
            for (int i = 0; i < rank; i++) {
                shape[i] = buf.getInt();
                if (shape[i] < 1 || shape[i] > 16_384) {
                    throw new WireFormatException("batch dim " + i + " = " + shape[i] + " outside [1, 16384]");
                }
                sampleSize *= shape[i];
            }
            int numClasses = buf.getInt();
            if (numClasses < 1) {
                throw new WireFormatException("batch numClasses " + numClasses + " < 1");
            }
            long index = buf.getLong();
            int epoch = buf.getInt();
            int count = buf.getInt();
            if (count < 1 || count > MAX_SAMPLES) {
                throw new WireFormatException("batch sample count " + count + " outside [1, " + MAX_SAMPLES + "]");
            }
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = buf.getInt();
                if (labels[i] < 0 || labels[i] >= numClasses) {
                    throw new WireFormatException("batch label[" + i + "] = " + labels[i] + " outside [0, " + numClasses + ")");
                }
            }
            long dataBytes = count * sampleSize * dtype.bytes;
            if (buf.remaining() != dataBytes) {
                throw new WireFormatException("batch data is " + buf.remaining() + " bytes, header says " + dataBytes
                        + (buf.remaining() < dataBytes ? " (truncated)" : " (trailing bytes)"));
            }
            byte[] data = new byte[(int) dataBytes];
            buf.get(data);
            return new Batch(index, epoch, dtype, shape, numClasses, labels, data);
        } catch (BufferUnderflowException e) {
            throw new WireFormatException("batch header truncated at byte " + buf.position() + " of " + bytes.length);
        }
    }
}
