package dev.preflight.data.load;

import dev.preflight.data.model.SampleBytes;

import java.io.ByteArrayOutputStream;

/**
 * Where a loader puts the samples it decodes, one at a time, so that decoded bytes never have to be held in the heap
 * all at once: {@link #inHeap()} collects them in an array (tests, built-in data), a store writer
 * ({@code dev.preflight.data.store.SampleStore}) appends them to a file that is then memory-mapped. Record sizes are
 * fixed by the first {@link #add}. Not thread-safe: one loader writes one sink.
 */
public abstract class SampleSink implements AutoCloseable {

    private int sampleBytes = -1;
    private int maskBytes = -1;
    private int count;

    /** @param masks null without masks */
    public record Finished(SampleBytes samples, SampleBytes masks) {
    }

    /**
     * Appends one sample and, for segmentation, its mask.
     *
     * @param sample the sample's bytes, exactly one record (the loader's per-sample buffer; copied, may be reused)
     * @param mask   H x W class ids, or null for datasets without masks (then never given)
     * @throws IllegalArgumentException when a record's size differs from the first one's, or masks come and go
     * @throws java.io.UncheckedIOException when the store file cannot be written (a full disk)
     */
    public final void add(byte[] sample, byte[] mask) {
        int m = mask == null ? -1 : mask.length;
        if (count == 0) {
            sampleBytes = sample.length;
            maskBytes = m;
        } else if (sample.length != sampleBytes || m != maskBytes) {
            throw new IllegalArgumentException("record sizes changed within one dataset: " + sampleBytes + "/" + maskBytes
                    + " bytes, then " + sample.length + "/" + m);
        }
        write(sample, mask);
        count++;
    }

    /** Samples added so far. */
    public final int count() {
        return count;
    }

    /** Bytes per sample (-1 before the first add). */
    protected final int sampleBytes() {
        return sampleBytes;
    }

    /** Bytes per mask; 0 for datasets without masks. */
    protected final int maskBytes() {
        return Math.max(0, maskBytes);
    }

    /**
     * The records added, readable; the sink takes no more.
     *
     * @return the samples and the masks (null when no mask was given)
     * @throws IllegalStateException when nothing was added
     */
    public final Finished finish() {
        if (count == 0) {
            throw new IllegalStateException("no sample was added");
        }
        return records();
    }

    /** Stores one record pair whose sizes {@link #add} checked. */
    protected abstract void write(byte[] sample, byte[] mask);

    /** What {@link #finish} returns, once at least one record was added. */
    protected abstract Finished records();

    /** Releases what an unfinished sink holds (a store writer deletes its temp files); harmless after finish. */
    @Override
    public abstract void close();

    /** A sink collecting records in the heap: what the loaders' plain {@code load} methods use. */
    public static SampleSink inHeap() {
        return new SampleSink() {
            private final ByteArrayOutputStream data = new ByteArrayOutputStream();
            private final ByteArrayOutputStream masks = new ByteArrayOutputStream();

            @Override
            protected void write(byte[] sample, byte[] mask) {
                data.write(sample, 0, sample.length);
                if (mask != null) {
                    masks.write(mask, 0, mask.length);
                }
            }

            @Override
            protected Finished records() {
                return new Finished(SampleBytes.inHeap(data.toByteArray(), sampleBytes()),
                        maskBytes() == 0 ? null : SampleBytes.inHeap(masks.toByteArray(), maskBytes()));
            }

            @Override
            public void close() {
            }
        };
    }
}
