package dev.preflight.data.store;

import dev.preflight.data.model.SampleBytes;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Fixed-size records in a read-only memory mapping of a store file. One {@code MappedByteBuffer} addresses at most
 * 2 GiB, so the records are mapped in chunks of whole records (at most {@link #MAX_CHUNK_BYTES} each): a record never
 * straddles two mappings, and a 40 GB dataset is 40 mappings. Reads use absolute positions only, so any number of
 * threads (streams, val requests, stats) read concurrently without locking. The mapping stays valid after the file is
 * renamed or replaced (it holds the inode), and the heap holds only the buffer objects.
 */
public final class MappedSampleBytes implements SampleBytes {

    /** Largest mapping: 1 GiB, half of what one buffer can address, so records never hit the 2 GiB limit. */
    public static final long MAX_CHUNK_BYTES = 1L << 30;

    private final MappedByteBuffer[] chunks;
    private final int perChunk;
    private final int count;
    private final int recordBytes;

    /**
     * Maps {@code count} records of {@code recordBytes} starting at byte {@code offset} of {@code channel}.
     *
     * @param maxChunkBytes largest single mapping ({@link #MAX_CHUNK_BYTES}; tests pass less to exercise many chunks)
     * @throws IOException when the file cannot be mapped (it is shorter than the records, or out of address space)
     */
    public MappedSampleBytes(FileChannel channel, long offset, int count, int recordBytes, long maxChunkBytes) throws IOException {
        if (recordBytes <= 0 || count < 0 || recordBytes > maxChunkBytes) {
            throw new IllegalArgumentException(count + " records of " + recordBytes + " bytes in chunks of " + maxChunkBytes);
        }
        this.count = count;
        this.recordBytes = recordBytes;
        this.perChunk = (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxChunkBytes / recordBytes));
        int n = count == 0 ? 0 : (count - 1) / perChunk + 1;
        this.chunks = new MappedByteBuffer[n];
        for (int k = 0; k < n; k++) {
            int records = Math.min(perChunk, count - k * perChunk);
            chunks[k] = channel.map(FileChannel.MapMode.READ_ONLY, offset + (long) k * perChunk * recordBytes,
                    (long) records * recordBytes);
        }
    }

    /** Number of mappings (tests check that records beyond the first chunk are found). */
    int chunks() {
        return chunks.length;
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public int recordBytes() {
        return recordBytes;
    }

    @Override
    public void copy(int i, byte[] dest, int offset) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("record " + i + " of " + count);
        }
        chunks[i / perChunk].get((i % perChunk) * recordBytes, dest, offset, recordBytes);
    }

    @Override
    public void copyRange(int first, int n, byte[] dest, int offset) {
        while (n > 0) {
            int k = first / perChunk;
            int within = first % perChunk;
            int take = Math.min(n, perChunk - within);
            chunks[k].get(within * recordBytes, dest, offset, take * recordBytes);
            first += take;
            n -= take;
            offset += take * recordBytes;
        }
    }

    @Override
    public long heapBytes() {
        return 0;
    }

    @Override
    public String toString() {
        return "Mapped[" + count + " x " + recordBytes + " B in " + chunks.length + " mapping(s)]";
    }
}
