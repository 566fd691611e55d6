package dev.preflight.wire;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotCodecTest {

    static final RunSpec SPEC = new RunSpec("shapes", new DataConfig(1L, 1, 8, 0.2),
            new ModelConfig("mlp", 2L, 1e-3, List.of(16)), 10, null);

    static Snapshot snapshot() {
        return new Snapshot("run-abc", 7, SPEC, new int[]{28, 28, 1}, 4, List.of(
                new NamedTensor("dense_0/kernel", new long[]{2, 3}, new float[]{1, -2, 3.5f, Float.MIN_VALUE, 0, -0f}),
                new NamedTensor("dense_0/bias", new long[]{3}, new float[]{0.1f, 0.2f, 0.3f})));
    }

    @Test
    void roundTripKeepsEveryBit() {
        Snapshot s = snapshot();
        Snapshot back = SnapshotCodec.decode(SnapshotCodec.encode(s));
        assertEquals("run-abc", back.runId());
        assertEquals(7, back.step());
        assertEquals(SPEC, back.spec());
        assertArrayEquals(new int[]{28, 28, 1}, back.inputShape());
        assertEquals(4, back.numClasses());
        assertEquals(s.variables(), back.variables());
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(back.variables().get(0).values()[5]));
    }

    @Test
    void lastAndExportedMarksSurviveTheRoundTripAndDefaultToTheSpecsLastStep() {
        Snapshot plain = snapshot();
        assertEquals(plain.step() == plain.spec().steps(), plain.isLast());
        Snapshot marked = SnapshotCodec.decode(SnapshotCodec.encode(plain.marked(false, true)));
        assertEquals(Boolean.FALSE, marked.last());
        assertEquals(Boolean.TRUE, marked.exported());
        org.junit.jupiter.api.Assertions.assertFalse(marked.isLast());
        org.junit.jupiter.api.Assertions.assertTrue(marked.isExported());
    }

    @Test
    void truncationIsNamed() {
        byte[] bytes = SnapshotCodec.encode(snapshot());
        for (int cut : new int[]{3, 9, bytes.length - 1, bytes.length - 13}) {
            byte[] part = Arrays.copyOf(bytes, cut);
            WireFormatException e = assertThrows(WireFormatException.class, () -> SnapshotCodec.decode(part), "cut at " + cut);
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("shorter") || e.getMessage().contains("does not fit"),
                    e.getMessage());
        }
    }

    @Test
    void wrongMagicAndTrailingBytesAreErrors() {
        byte[] bytes = SnapshotCodec.encode(snapshot());
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 4);
        assertTrue(assertThrows(WireFormatException.class, () -> SnapshotCodec.decode(longer)).getMessage().contains("trailing"));
        bytes[1] = 0;
        assertTrue(assertThrows(WireFormatException.class, () -> SnapshotCodec.decode(bytes)).getMessage().contains("magic"));
    }
}
