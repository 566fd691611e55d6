package dev.preflight.data.store;

import dev.preflight.data.load.SampleSink;
import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.SampleBytes;
import dev.preflight.wire.DType;
import dev.preflight.wire.Json;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;

/**
 * Decoded datasets on disk, one file per dataset and image shape ({@code <name>-<h>x<w>x<c>.pfs}, or
 * {@code <name>.pfs} for formats without a declared shape), memory-mapped when read: the heap holds labels and sources,
 * the OS pages sample bytes in as batches touch them, and a restarted service (or a second run on the same data) maps
 * the file instead of decoding the source again.
 *
 * <p>File layout (big-endian):
 * <pre>
 *   0  header, 64 bytes: magic "PFSTORE1", int format, int count, int sampleBytes, int maskBytes, int metaLength,
 *      int crc32c (of every byte from 64 to the end), long fileLength, 20 bytes zero
 *  64  samples: count x sampleBytes
 *      masks:   count x maskBytes (segmentation: H x W class ids; paired: the target images, sampleBytes each; else nothing)
 *      labels:  count x int32
 *      content groups: count x int32 (Dataset.contentGroups, so nothing is hashed again)
 *      metadata: metaLength bytes of JSON ({@link StoreMeta}: fingerprint, classes, sources, skipped, notes, ...)
 * </pre>
 *
 * <p>Written atomically: a loader decodes into {@code <file>.tmp-<pid>-<nanos>}, the header (with the length and the
 * CRC-32C) is written last, the file is forced to disk and only then renamed over the old one. A crash mid-write leaves
 * a temp file, never a store file; a store file that is short, has another length than its header says, or whose
 * CRC-32C does not match (a bit flipped on disk, an edit) is deleted and rebuilt, never read as data. The CRC is
 * checked at every open: one sequential pass, ≈ 0.1 s per GB once the file is in the page cache.
 *
 * <p>A store is used only when its fingerprint ({@code SourceFingerprint}) equals the one of the source as it is now;
 * otherwise it is rebuilt from the source.
 */
public final class SampleStore {

    private static final Logger LOG = Logger.getLogger(SampleStore.class);

    /** Bump when a loader's bytes for the same files change (resizing, colour conversion): older stores are rebuilt. */
    public static final int DECODER_VERSION = 1;

    static final byte[] MAGIC = "PFSTORE1".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT = 1;
    static final int HEADER = 64;
    /** Store files end in this. */
    public static final String SUFFIX = ".pfs";
    private static final String TMP = ".tmp-";
    /** A temp file nobody has written for this long was left by a crash; a live writer touches it continuously. */
    private static final Duration ABANDONED = Duration.ofHours(1);

    private final Path dir;
    private final long maxChunkBytes;

    /** @param dir the store directory; created on first write */
    public SampleStore(Path dir) {
        this(dir, MappedSampleBytes.MAX_CHUNK_BYTES);
    }

    /** @param maxChunkBytes largest single mapping (tests use small ones to exercise many mappings) */
    SampleStore(Path dir, long maxChunkBytes) {
        this.dir = dir;
        this.maxChunkBytes = maxChunkBytes;
        removeAbandonedTempFiles();
    }

    public Path dir() {
        return dir;
    }

    /**
     * The store file's name for a dataset: one per dataset and image shape.
     *
     * @param imageShape the registration's [h, w, c], or null for formats whose shape comes from the data
     */
    public static String fileName(String dataset, List<Integer> imageShape) {
        String shape = imageShape == null || imageShape.isEmpty() ? ""
                : "-" + imageShape.stream().map(String::valueOf).collect(Collectors.joining("x"));
        return dataset + shape + SUFFIX;
    }

    /**
     * The dataset stored in {@code file}, if there is a valid one made from the source with this fingerprint. A damaged
     * file (short, wrong length or magic, CRC mismatch, unreadable metadata) and a stale one (other fingerprint) are
     * deleted, with a log line saying which; the caller then rebuilds.
     */
    public Optional<Dataset> open(String file, String fingerprint) {
        Path p = dir.resolve(file);
        if (!Files.isRegularFile(p)) {
            return Optional.empty();
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            // The mappings outlive the channel (FileChannel.map: "closing the channel has no effect on the mapping").
            return Optional.of(read(ch, fingerprint));
        } catch (Stale e) {
            LOG.infof("store %s was decoded from other files or options than the source now has: rebuilding it", p);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("store %s is damaged (%s): deleting and rebuilding it", p, e.getMessage());
        }
        delete(p);
        return Optional.empty();
    }

    /**
     * A writer for {@code file}: give it to a loader as its {@link SampleSink}, then {@link Writer#commit} the
     * dataset the loader built. Closing an uncommitted writer deletes its temp files.
     *
     * @throws StoreException when the store directory cannot be created or written
     */
    public Writer create(String file) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(file + TMP + ProcessHandle.current().pid() + "-" + System.nanoTime());
            return new Writer(file, tmp);
        } catch (IOException e) {
            throw new StoreException("cannot write a store file in " + dir + ": " + e.getMessage(), e);
        }
    }

    private Dataset read(FileChannel ch, String fingerprint) throws IOException {
        long size = ch.size();
        if (size < HEADER) {
            throw new IOException(size + " bytes, shorter than the " + HEADER + "-byte header");
        }
        ByteBuffer h = readFully(ch, 0, HEADER);
        byte[] magic = new byte[MAGIC.length];
        h.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException("not a store file (magic " + java.util.HexFormat.of().formatHex(magic) + ")");
        }
        int format = h.getInt();
        int count = h.getInt();
        int sampleBytes = h.getInt();
        int maskBytes = h.getInt();
        int metaLength = h.getInt();
        int crc = h.getInt();
        long fileLength = h.getLong();
        if (format != FORMAT) {
            throw new IOException("format " + format + ", this service reads " + FORMAT);
        }
        if (count <= 0 || sampleBytes <= 0 || maskBytes < 0 || metaLength <= 0) {
            throw new IOException("header says " + count + " samples of " + sampleBytes + " B, masks of " + maskBytes
                    + " B, metadata of " + metaLength + " B");
        }
        long tail = HEADER + (long) count * (sampleBytes + maskBytes);
        if (fileLength != size || tail + 8L * count + metaLength != fileLength) {
            throw new IOException("truncated or extended: " + size + " bytes on disk, header says " + fileLength
                    + " and its regions add up to " + (tail + 8L * count + metaLength));
        }
        int actual = crc(ch, HEADER, size);
        if (actual != crc) {
            throw new IOException(String.format("CRC-32C 0x%08x, header says 0x%08x", actual, crc));
        }
        StoreMeta meta = Json.MAPPER.readValue(readFully(ch, tail + 8L * count, metaLength).array(), StoreMeta.class);
        if (!fingerprint.equals(meta.fingerprint())) {
            throw new Stale();
        }
        int[] labels = new int[count];
        int[] groups = new int[count];
        ByteBuffer ints = readFully(ch, tail, 8 * count);
        ints.asIntBuffer().get(labels).get(groups);
        SampleBytes data = new MappedSampleBytes(ch, HEADER, count, sampleBytes, maxChunkBytes);
        SampleBytes second = maskBytes == 0 ? null
                : new MappedSampleBytes(ch, HEADER + (long) count * sampleBytes, count, maskBytes, maxChunkBytes);
        boolean paired = Boolean.TRUE.equals(meta.paired());
        Dataset d = new Dataset(meta.name(), meta.sampleShape(), DType.valueOf(meta.dtype()), meta.numClasses(), labels, data,
                paired ? null : second, meta.classNames(), meta.skipped())
                .withSources(meta.sources())
                .withIgnored(meta.ignored())
                .withNotes(meta.notes())
                .withContentGroups(groups);
        if (meta.featureNames() != null) {
            d = d.withFeatureNames(meta.featureNames());
        }
        d = d.withFeatureScaling(Dataset.FeatureScaling.valueOf(meta.featureScaling()));
        if (paired) {
            d = d.withTargets(second);
        }
        if (meta.givenSplit() != null) {
            d = d.withGivenSplit(new Dataset.GivenSplit(meta.givenSplit().description(), meta.givenSplit().val()));
        }
        return d;
    }

    /** CRC-32C of bytes [from, to) of the channel, read through mappings of at most {@code maxChunkBytes}. */
    private int crc(FileChannel ch, long from, long to) throws IOException {
        CRC32C crc = new CRC32C();
        for (long at = from; at < to; ) {
            long n = Math.min(maxChunkBytes, to - at);
            crc.update(ch.map(FileChannel.MapMode.READ_ONLY, at, n));
            at += n;
        }
        return (int) crc.getValue();
    }

    private static ByteBuffer readFully(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException("ends at " + (at + b.position()) + ", expected " + n + " bytes from " + at);
            }
        }
        return b.flip();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", p, e.getMessage());
        }
    }

    /** Temp files of writers that crashed: untouched for an hour (a live writer appends all the time). */
    private void removeAbandonedTempFiles() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        FileTime cutoff = FileTime.from(Instant.now().minus(ABANDONED));
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*" + SUFFIX + TMP + "*")) {
            for (Path p : s) {
                if (Files.getLastModifiedTime(p).compareTo(cutoff) < 0) {
                    LOG.infof("removing %s, left by a store write that did not finish", p);
                    delete(p);
                }
            }
        } catch (IOException e) {
            LOG.warnf("cannot look for abandoned temp files in %s: %s", dir, e.getMessage());
        }
    }

    /** The store file was made from another source (or options): not damage, just out of date. */
    private static final class Stale extends RuntimeException {
        Stale() {
            super(null, null, false, false);
        }
    }

    /**
     * Writes one store file: samples (and masks) as a loader adds them, then labels, content groups and metadata at
     * {@link #commit}. Masks go to a second temp file until {@link #finish}, which appends them after the samples.
     */
    public final class Writer extends SampleSink {
        private static final int BUFFER = 1 << 20;
        private final String file;
        private final Path tmp;
        private final Path maskTmp;
        private final FileChannel ch;
        private FileChannel maskCh;
        private final ByteBuffer buf = ByteBuffer.allocate(BUFFER);
        private ByteBuffer maskBuf;
        private boolean finished;
        private boolean committed;

        private Writer(String file, Path tmp) throws IOException {
            this.file = file;
            this.tmp = tmp;
            this.maskTmp = tmp.resolveSibling(tmp.getFileName() + ".masks");
            this.ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
            ch.position(HEADER);
        }

        @Override
        protected void write(byte[] sample, byte[] mask) {
            if (finished) {
                throw new IllegalStateException("the store writer for " + file + " is finished");
            }
            try {
                put(ch, buf, sample);
                if (mask != null) {
                    if (maskCh == null) {
                        maskCh = FileChannel.open(maskTmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                                StandardOpenOption.WRITE);
                        maskBuf = ByteBuffer.allocate(BUFFER);
                    }
                    put(maskCh, maskBuf, mask);
                }
            } catch (IOException e) {
                throw new StoreException("cannot write " + tmp + ": " + e.getMessage(), e);
            }
        }

        private static void put(FileChannel ch, ByteBuffer buf, byte[] record) throws IOException {
            for (int at = 0; at < record.length; ) {
                if (!buf.hasRemaining()) {
                    drain(ch, buf);
                }
                int n = Math.min(buf.remaining(), record.length - at);
                buf.put(record, at, n);
                at += n;
            }
        }

        private static void drain(FileChannel ch, ByteBuffer buf) throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            buf.clear();
        }

        /** Flushes, appends the masks after the samples and maps both (the loader builds its dataset on them). */
        @Override
        protected Finished records() {
            int count = count();
            int sampleBytes = sampleBytes();
            int maskBytes = maskBytes();
            try {
                if (!finished) {
                    drain(ch, buf);
                    if (maskCh != null) {
                        drain(maskCh, maskBuf);
                        long at = HEADER + (long) count * sampleBytes;
                        long n = (long) count * maskBytes;
                        for (long done = 0; done < n; ) {
                            done += maskCh.transferTo(done, n - done, ch.position(at + done));
                        }
                        maskCh.close();
                        Files.delete(maskTmp);
                    }
                    finished = true;
                }
                SampleBytes samples = new MappedSampleBytes(ch, HEADER, count, sampleBytes, maxChunkBytes);
                SampleBytes masks = maskBytes == 0 ? null
                        : new MappedSampleBytes(ch, HEADER + (long) count * sampleBytes, count, maskBytes, maxChunkBytes);
                return new Finished(samples, masks);
            } catch (IOException e) {
                throw new StoreException("cannot write " + tmp + ": " + e.getMessage(), e);
            }
        }

        /**
         * Writes labels, content groups and metadata, the header last, forces the file to disk and renames it into
         * place; then opens it as any later reader would (so what is returned has been read back and checked).
         *
         * @param d           the dataset the loader built on this writer's records; a dataset built elsewhere (in the
         *                    heap: CSV) is copied in first
         * @param fingerprint of the source it was decoded from
         * @return {@code d}, backed by the committed file
         * @throws StoreException when writing fails (the temp file is deleted)
         */
        public Dataset commit(Dataset d, String fingerprint) {
            try {
                if (count() == 0) {
                    copyIn(d);
                }
                int sampleBytes = sampleBytes();
                int maskBytes = maskBytes();
                if (d.size() != count() || d.sampleSize() != sampleBytes || secondRecordSize(d) != maskBytes) {
                    throw new IllegalArgumentException(d.name() + " has " + d.size() + " samples of " + d.sampleSize()
                            + " B, the store writer holds " + count() + " of " + sampleBytes + " B");
                }
                finish();
                int n = d.size();
                long tail = HEADER + (long) n * (sampleBytes + maskBytes);
                ByteBuffer ints = ByteBuffer.allocate(8 * n);
                for (int i = 0; i < n; i++) {
                    ints.putInt(d.label(i));
                }
                for (int g : d.contentGroups()) {
                    ints.putInt(g);
                }
                ints.flip();
                writeFully(ch, ints, tail);
                List<String> sources = new java.util.ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    sources.add(d.source(i));
                }
                Dataset.GivenSplit given = d.givenSplit();
                byte[] meta = Json.encode(new StoreMeta(fingerprint, d.name(), d.sampleShape(), d.dtype().name(), d.numClasses(),
                        d.classNames(), d.skipped(), d.ignored(), d.notes(), sources, d.featureNames(),
                        given == null ? null : new StoreMeta.GivenSplit(given.description(), given.val()),
                        d.featureScaling().name(), d.isPaired() ? Boolean.TRUE : null));
                long end = tail + 8L * n + meta.length;
                writeFully(ch, ByteBuffer.wrap(meta), tail + 8L * n);
                ch.force(true);
                ByteBuffer h = ByteBuffer.allocate(HEADER);
                h.put(MAGIC).putInt(FORMAT).putInt(n).putInt(sampleBytes).putInt(maskBytes).putInt(meta.length)
                        .putInt(crc(ch, HEADER, end)).putLong(end);
                h.clear();
                writeFully(ch, h, 0);
                ch.force(true);
                ch.close();
                Path target = dir.resolve(file);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                committed = true;
                return open(file, fingerprint).orElseThrow(
                        () -> new StoreException("store " + target + " did not read back after it was written", null));
            } catch (IOException e) {
                throw new StoreException("cannot write " + tmp + ": " + e.getMessage(), e);
            } finally {
                close();
            }
        }

        private void copyIn(Dataset d) {
            byte[] sample = new byte[d.sampleSize()];
            byte[] mask = secondRecordSize(d) > 0 ? new byte[secondRecordSize(d)] : null;
            for (int i = 0; i < d.size(); i++) {
                d.copySample(i, sample, 0);
                if (d.isSegmentation()) {
                    d.copyMask(i, mask, 0);
                } else if (d.isPaired()) {
                    d.copyTarget(i, mask, 0);
                }
                add(sample, mask);
            }
        }

        /** Bytes of the record stored after each sample's: its mask, its target image (paired), or none. */
        private static int secondRecordSize(Dataset d) {
            return d.isPaired() ? d.sampleSize() : d.maskSize();
        }

        /** Deletes the temp files unless committed. */
        @Override
        public void close() {
            try {
                if (maskCh != null) {
                    maskCh.close();
                }
                ch.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (!committed) {
                delete(maskTmp);
                delete(tmp);
            }
        }
    }
}
