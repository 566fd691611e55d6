package dev.preflight.gateway.tensorboard;

import org.tensorflow.proto.Event;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads TensorBoard event files back as TensorFlow would: every record's framing and both CRCs are checked, and the
 * payload is parsed by TensorFlow's own generated {@link Event} class.
 */
public final class EventFiles {

    private EventFiles() {
    }

    /** Every event of every {@code events.out.tfevents.*} file in {@code dir}, in file order. */
    public static List<Event> read(Path dir) throws IOException {
        List<Event> events = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).sorted().toList()) {
                for (byte[] record : records(Files.readAllBytes(f))) {
                    events.add(Event.parseFrom(record));
                }
            }
        }
        return events;
    }

    /** Splits TFRecord framing, asserting each length CRC and data CRC and that no bytes are left over. */
    public static List<byte[]> records(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> records = new ArrayList<>();
        while (b.hasRemaining()) {
            assertTrue(b.remaining() >= 12, "truncated header at " + b.position());
            int start = b.position();
            long length = b.getLong();
            assertEquals(TfRecords.maskedCrc32c(file, start, 8), b.getInt(), "length CRC at " + start);
            assertTrue(length >= 0 && length <= b.remaining() - 4, "length " + length + " at " + start);
            byte[] data = new byte[(int) length];
            b.get(data);
            assertEquals(TfRecords.maskedCrc32c(data, 0, data.length), b.getInt(), "data CRC of record at " + start);
            records.add(data);
        }
        return records;
    }
}
