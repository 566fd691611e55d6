package dev.preflight.data.model;

import java.util.Arrays;

/**
 * Fixed-size records (samples or masks) of a dataset, read by index: either an array in the heap (built-in datasets,
 * tests) or a memory-mapped store file ({@code dev.preflight.data.store.SampleStore}), so a dataset larger than the
 * heap is paged in by the OS as batches touch it. Immutable once built; safe to read from many threads.
 */
public interface SampleBytes {

    /** Number of records. */
    int count();

    /** Bytes per record. */
    int recordBytes();

    /** Copies record {@code i} ({@link #recordBytes()} bytes) into {@code dest} at {@code offset}. */
    void copy(int i, byte[] dest, int offset);

    /**
     * Copies records {@code first} .. {@code first + n - 1}, back to back, into {@code dest} at {@code offset}: the
     * sequential path of passes over the whole dataset (stats, hashing, checks).
     */
    default void copyRange(int first, int n, byte[] dest, int offset) {
        int rb = recordBytes();
        for (int k = 0; k < n; k++) {
            copy(first + k, dest, offset + k * rb);
        }
    }

    /** Records in the heap: {@code data} holds {@code data.length / recordBytes} of them, back to back. */
    static SampleBytes inHeap(byte[] data, int recordBytes) {
        return new Heap(data, recordBytes);
    }

    /** Bytes in the Java heap held by this object ({@code count * recordBytes} in the heap, 0 when mapped). */
    long heapBytes();

    /** In-heap records; the array is never handed out. */
    record Heap(byte[] data, int recordBytes) implements SampleBytes {
        public Heap {
            if (recordBytes <= 0 || data.length % recordBytes != 0) {
                throw new IllegalArgumentException(data.length + " bytes are not whole records of " + recordBytes);
            }
        }

        @Override
        public int count() {
            return data.length / recordBytes;
        }

        @Override
        public void copy(int i, byte[] dest, int offset) {
            System.arraycopy(data, i * recordBytes, dest, offset, recordBytes);
        }

        @Override
        public void copyRange(int first, int n, byte[] dest, int offset) {
            System.arraycopy(data, first * recordBytes, dest, offset, n * recordBytes);
        }

        @Override
        public long heapBytes() {
            return data.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Heap h && h.recordBytes == recordBytes && Arrays.equals(h.data, data);
        }

        @Override
        public int hashCode() {
            return 31 * recordBytes + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Heap[" + count() + " x " + recordBytes + " B]";
        }
    }
}
