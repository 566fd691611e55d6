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
 * flags             u8: bit 0 class counts, bit 1 class weights, bit 2 masks, bit 3 targets; then, if set, in order:
 *                   numClasses x i32 counts | numClasses x f32 weights | count x H x W u8 masks | i32 dim + count x dim f32
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
        int header = 4 + 1 + 1 + 4 * b.sampleShape().length + 4 + 8 + 4 + 4 + 4 * b.size() + 1;
        int optional = (b.classCounts() == null ? 0 : 4 * b.numClasses()) + (b.classWeights() == null ? 0 : 4 * b.numClasses())
                + (b.masks() == null ? 0 : b.masks().length) + (b.targets() == null ? 0 : 4 + 4 * b.targets().length);
        ByteBuffer buf = ByteBuffer.allocate(header + optional + b.data().length);
        buf.putInt(MAGIC).put((byte) b.dtype().code).put((byte) b.sampleShape().length);
        for (int d : b.sampleShape()) {
            buf.putInt(d);
        }
        buf.putInt(b.numClasses()).putLong(b.index()).putInt(b.epoch()).putInt(b.size());
        for (int label : b.labels()) {
            buf.putInt(label);
        }
        int flags = (b.classCounts() != null ? 1 : 0) | (b.classWeights() != null ? 2 : 0) | (b.masks() != null ? 4 : 0)
                | (b.targets() != null ? 8 : 0);
        buf.put((byte) flags);
        if (b.classCounts() != null) {
            for (int c : b.classCounts()) {
                buf.putInt(c);
            }
        }
        if (b.classWeights() != null) {
            for (float w : b.classWeights()) {
                buf.putFloat(w);
            }
        }
        if (b.masks() != null) {
            buf.put(b.masks());
        }
        if (b.targets() != null) {
            buf.putInt(b.targetDim());
            for (float t : b.targets()) {
                buf.putFloat(t);
            }
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
            int flags = buf.get();
            if ((flags & ~0x0F) != 0) {
                throw new WireFormatException(String.format("batch flags 0x%02x have unknown bits", flags));
            }
            int[] counts = null;
            float[] weights = null;
            byte[] masks = null;
            float[] targets = null;
            int targetDim = 0;
            if ((flags & 1) != 0) {
                counts = new int[numClasses];
                for (int i = 0; i < numClasses; i++) {
                    counts[i] = buf.getInt();
                    if (counts[i] < 0) {
                        throw new WireFormatException("batch classCounts[" + i + "] = " + counts[i] + " < 0");
                    }
                }
            }
            if ((flags & 2) != 0) {
                weights = new float[numClasses];
                for (int i = 0; i < numClasses; i++) {
                    weights[i] = buf.getFloat();
                    if (!(weights[i] >= 0) || Float.isInfinite(weights[i])) {
                        throw new WireFormatException("batch classWeights[" + i + "] = " + weights[i] + " is not a finite weight >= 0");
                    }
                }
            }
            if ((flags & 4) != 0) {
                if (rank < 2) {
                    throw new WireFormatException("batch has masks but its samples are not images (rank " + rank + ")");
                }
                masks = new byte[count * shape[0] * shape[1]];
                buf.get(masks);
                for (int i = 0; i < masks.length; i++) {
                    if ((masks[i] & 0xFF) >= numClasses) {
                        throw new WireFormatException("batch mask value " + (masks[i] & 0xFF) + " at " + i + " outside [0, " + numClasses + ")");
                    }
                }
            }
            if ((flags & 8) != 0) {
                targetDim = buf.getInt();
                if (targetDim < 1 || targetDim > 65_536) {
                    throw new WireFormatException("batch target dim " + targetDim + " outside [1, 65536]");
                }
                targets = new float[count * targetDim];
                for (int i = 0; i < targets.length; i++) {
                    targets[i] = buf.getFloat();
                }
            }
            long dataBytes = count * sampleSize * dtype.bytes;
            if (buf.remaining() != dataBytes) {
                throw new WireFormatException("batch data is " + buf.remaining() + " bytes, header says " + dataBytes
                        + (buf.remaining() < dataBytes ? " (truncated)" : " (trailing bytes)"));
            }
            byte[] data = new byte[(int) dataBytes];
            buf.get(data);
            return new Batch(index, epoch, dtype, shape, numClasses, labels, data, masks, targets, targetDim, counts, weights);
        } catch (BufferUnderflowException e) {
            throw new WireFormatException("batch header truncated at byte " + buf.position() + " of " + bytes.length);
        }
    }
}
