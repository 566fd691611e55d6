package dev.preflight.wire;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary encoding of a {@link Snapshot} (big-endian):
 * <pre>
 * "PFS1"                      magic + version
 * i32 n, n bytes              JSON header {runId, step (0 = initial weights), spec, inputShape, numClasses, task, last, exported}
 * i32 variables, then each:   u16 name length, UTF-8 name, u8 rank, rank x i64 dims, prod(dims) x f32
 * </pre>
 */
public final class SnapshotCodec {

    static final int MAGIC = 0x50465331; // "PFS1"

    record Header(@JsonProperty("runId") String runId, @JsonProperty("step") int step,
                  @JsonProperty("spec") RunSpec spec, @JsonProperty("inputShape") int[] inputShape,
                  @JsonProperty("numClasses") int numClasses, @JsonProperty("task") String task,
                  @JsonProperty("last") Boolean last, @JsonProperty("exported") Boolean exported) {
    }

    private SnapshotCodec() {
    }

    public static byte[] encode(Snapshot s) {
        byte[] header = Json.encode(new Header(s.runId(), s.step(), s.spec(), s.inputShape(), s.numClasses(), s.task(), s.last(), s.exported()));
        int size = 4 + 4 + header.length + 4;
        List<byte[]> names = new ArrayList<>();
        for (NamedTensor t : s.variables()) {
            byte[] name = t.name().getBytes(StandardCharsets.UTF_8);
            names.add(name);
            size += 2 + name.length + 1 + 8 * t.shape().length + 4 * t.values().length;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.putInt(MAGIC).putInt(header.length).put(header).putInt(s.variables().size());
        for (int i = 0; i < s.variables().size(); i++) {
            NamedTensor t = s.variables().get(i);
            buf.putShort((short) names.get(i).length).put(names.get(i)).put((byte) t.shape().length);
            for (long d : t.shape()) {
                buf.putLong(d);
            }
            // Bulk copy through a float view: one pass, no per-element boxing.
            buf.asFloatBuffer().put(t.values());
            buf.position(buf.position() + 4 * t.values().length);
        }
        return buf.array();
    }

    public static Snapshot decode(byte[] bytes) {
        if (bytes == null || bytes.length < 8) {
            throw new WireFormatException("snapshot record is empty or shorter than its header");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        try {
            int magic = buf.getInt();
            if (magic != MAGIC) {
                throw new WireFormatException(String.format("not a Preflight snapshot: magic 0x%08x, expected 0x%08x", magic, MAGIC));
            }
            int headerLength = buf.getInt();
            if (headerLength < 2 || headerLength > buf.remaining()) {
                throw new WireFormatException("snapshot header length " + headerLength + " does not fit in " + buf.remaining() + " bytes");
            }
            byte[] headerBytes = new byte[headerLength];
            buf.get(headerBytes);
            Header h = Json.decode(headerBytes, Header.class);
            if (h.runId() == null || h.spec() == null || h.inputShape() == null || h.step() < 0 || h.numClasses() < 1) {
                throw new WireFormatException("snapshot header lacks runId, spec, inputShape, step >= 0 or numClasses >= 1");
            }
            int count = buf.getInt();
            if (count < 0 || count > 10_000) {
                throw new WireFormatException("snapshot variable count " + count + " outside [0, 10000]");
            }
            List<NamedTensor> vars = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int nameLength = Short.toUnsignedInt(buf.getShort());
                byte[] name = new byte[nameLength];
                buf.get(name);
                int rank = buf.get();
                if (rank < 0 || rank > 8) {
                    throw new WireFormatException("snapshot variable " + i + " rank " + rank + " outside [0, 8]");
                }
                long[] shape = new long[rank];
                long n = 1;
                for (int d = 0; d < rank; d++) {
                    shape[d] = buf.getLong();
                    if (shape[d] < 1) {
                        throw new WireFormatException("snapshot variable " + i + " has dim " + shape[d]);
                    }
                    n *= shape[d];
                }
                if (n * 4 > buf.remaining()) {
                    throw new WireFormatException("snapshot truncated in variable '" + new String(name, StandardCharsets.UTF_8)
                            + "': needs " + n * 4 + " bytes, " + buf.remaining() + " left");
                }
                float[] values = new float[(int) n];
                buf.asFloatBuffer().get(values);
                buf.position(buf.position() + 4 * values.length);
                vars.add(new NamedTensor(new String(name, StandardCharsets.UTF_8), shape, values));
            }
            if (buf.hasRemaining()) {
                throw new WireFormatException("snapshot has " + buf.remaining() + " trailing bytes");
            }
            return new Snapshot(h.runId(), h.step(), h.spec(), h.inputShape(), h.numClasses(), vars, h.task(), h.last(), h.exported());
        } catch (BufferUnderflowException e) {
            throw new WireFormatException("snapshot truncated at byte " + buf.position() + " of " + bytes.length);
        }
    }
}
