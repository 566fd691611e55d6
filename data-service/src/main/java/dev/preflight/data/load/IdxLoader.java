package dev.preflight.data.load;

import dev.preflight.data.model.Dataset;
import dev.preflight.wire.DType;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The IDX format of MNIST and its family (Fashion-MNIST, KMNIST, EMNIST): an images file (magic 0x00000803, n x h x
 * w uint8) and a labels file (magic 0x00000801, n uint8), raw or gzip-compressed (told apart by the gzip magic, not the
 * file name).
 *
 * <p>A directory as MNIST is downloaded, with a train and a test pair ({@code train-*} and {@code t10k-*}, or EMNIST's
 * {@code emnist-balanced-train-*} and {@code ...-test-*}), loads as one dataset: train samples first, the test pair as
 * the given val split (pooled instead with {@code givenSplit: false}). Labels are taken as stored (numClasses = largest
 * label + 1): one-based labels and 255 markers are for the data check to diagnose, not for the loader to hide.
 */
public final class IdxLoader {

    private static final int UBYTE = 0x08;

    private IdxLoader() {
    }

    /**
     * @throws LoadException         when {@code dir} is not a directory, the files are missing or ambiguous (the
     *                               message names the files found), a file has the wrong magic, is truncated or has
     *                               trailing bytes, image and label counts differ, or train and test images differ in
     *                               size
     * @throws PathRejectedException when a named file resolves outside the data root
     */
    public static Dataset load(String name, Path dir, Registration r, DataRoot root) {
        try (SampleSink sink = SampleSink.inHeap()) {
            return load(name, dir, r, root, sink);
        }
    }

    /**
     * As {@link #load(String, Path, Registration, DataRoot)}, streaming the images straight into {@code sink} (a
     * store file) one at a time, so the heap holds the labels, never the images file.
     */
    public static Dataset load(String name, Path dir, Registration r, DataRoot root, SampleSink sink) {
        if (!Files.isDirectory(dir)) {
            throw new LoadException("idx: '" + root.show(dir) + "' must be a directory holding an images and a labels file");
        }
        if (r.images() != null || r.labels() != null) {
            // Named files select exactly one pair, whatever else lies in the directory.
            Path images = root.inside(r.images() != null ? dir.resolve(r.images()) : findOne(dir, "images", "idx3", root), "images");
            Path labels = root.inside(r.labels() != null ? dir.resolve(r.labels()) : findOne(dir, "labels", "idx1", root), "labels");
            return build(name, List.of(readPair(images, labels, root, sink, null)), sink, null);
        }
        List<Path> files = idxFiles(dir, root);
        List<Path> images = files.stream().filter(f -> matches(f, "images", "idx3")).toList();
        List<Path> labels = files.stream().filter(f -> matches(f, "labels", "idx1")).toList();
        if (images.size() == 1 && labels.size() == 1) {
            return build(name, List.of(readPair(root.inside(images.get(0), "images"), root.inside(labels.get(0), "labels"), root, sink, null)),
                    sink, null);
        }
        Path[] train = new Path[2];
        Path[] test = new Path[2];
        boolean paired = images.size() == 2 && labels.size() == 2;
        for (Path img : images) {
            Path lab = partner(img, labels);
            String role = role(img);
            Path[] slot = "train".equals(role) ? train : "test".equals(role) ? test : null;
            if (lab == null || slot == null || slot[0] != null || !role.equals(role(lab))) {
                paired = false;
                break;
            }
            slot[0] = img;
            slot[1] = lab;
        }
        if (!paired || train[0] == null || test[0] == null) {
            throw new LoadException("idx: expected one *images*idx3* and one *labels*idx1* file, or a train and a test "
                    + "(t10k) pair of them, in " + root.show(dir) + "; found " + files.stream().map(f -> f.getFileName().toString()).toList()
                    + "; name one pair with the 'images' and 'labels' options");
        }
        Part trainPart = readPair(root.inside(train[0], "images"), root.inside(train[1], "labels"), root, sink, null);
        Part testPart = readPair(root.inside(test[0], "images"), root.inside(test[1], "labels"), root, sink, trainPart);
        String description = "files " + stem(train[0], "train") + " and " + stem(test[0], "test");
        if (Boolean.FALSE.equals(r.givenSplit())) {
            Dataset d = build(name, List.of(trainPart, testPart), sink, null);
            return d.withNotes(List.of("givenSplit=false: " + stem(train[0], "train") + " (" + trainPart.n + " samples) and "
                    + stem(test[0], "test") + " (" + testPart.n + " samples) pooled; Preflight splits them"));
        }
        int[] val = new int[testPart.n];
        for (int i = 0; i < val.length; i++) {
            val[i] = trainPart.n + i;
        }
        return build(name, List.of(trainPart, testPart), sink, new Dataset.GivenSplit(description, val));
    }

    /** One images/labels pair, read and checked against each other; its images went to the sink. */
    private record Part(String file, String shown, int n, int h, int w, byte[] labels) {
    }

    /**
     * Reads the labels, checks the images file's header against them (and against {@code previous}, the train pair,
     * whose images must have the same size), then streams the images into {@code sink} one by one.
     */
    private static Part readPair(Path images, Path labels, DataRoot root, SampleSink sink, Part previous) {
        String shown = root.show(images);
        try (DataInputStream data = open(images)) {
            int[] dims = header(data, 3, shown);
            Idx lab = read(labels, 1, root);
            if (dims[0] != lab.dims[0]) {
                throw new LoadException("idx: " + shown + " has " + dims[0] + " images but " + root.show(labels)
                        + " has " + lab.dims[0] + " labels");
            }
            if (dims[0] == 0) {
                throw new LoadException("idx: " + shown + " holds no samples");
            }
            if (previous != null && (previous.h != dims[1] || previous.w != dims[2])) {
                throw new LoadException("idx: " + previous.shown + " holds " + previous.h + "x" + previous.w + " images but "
                        + shown + " holds " + dims[1] + "x" + dims[2]);
            }
            byte[] image = new byte[Math.multiplyExact(dims[1], dims[2])];
            for (int i = 0; i < dims[0]; i++) {
                data.readFully(image);
                sink.add(image, null);
            }
            if (data.read() != -1) {
                throw new LoadException("idx: " + shown + " has bytes after the " + (long) dims[0] * image.length
                        + " its header announces");
            }
            return new Part(images.getFileName().toString(), shown, dims[0], dims[1], dims[2], lab.data);
        } catch (EOFException e) {
            throw new LoadException("idx: " + shown + " is truncated (shorter than its header announces)", e);
        } catch (IOException e) {
            throw new LoadException("idx: cannot read " + shown + ": " + e.getMessage(), e);
        }
    }

    private static Dataset build(String name, List<Part> parts, SampleSink sink, Dataset.GivenSplit split) {
        int n = parts.stream().mapToInt(Part::n).sum();
        Part first = parts.get(0);
        int[] labelValues = new int[n];
        List<String> sources = new ArrayList<>(n);
        int max = 0;
        int i = 0;
        for (Part p : parts) {
            for (int k = 0; k < p.n; k++, i++) {
                labelValues[i] = p.labels[k] & 0xFF;
                max = Math.max(max, labelValues[i]);
                sources.add(p.file + "#" + k);
            }
        }
        Dataset d = new Dataset(name, new int[]{first.h, first.w, 1}, DType.UINT8, max + 1, labelValues, sink.finish().samples(),
                null, null, List.of()).withSources(sources);
        return split == null ? d : d.withGivenSplit(split);
    }

    /** Regular, non-clutter files of {@code dir} that look like IDX files, sorted. */
    private static List<Path> idxFiles(Path dir, DataRoot root) {
        // AppleDouble "._train-images-idx3-ubyte" would match the name patterns: DataFiles.list drops it.
        return DataFiles.list(dir, root).stream()
                .filter(f -> Files.isRegularFile(f) && (matches(f, "images", "idx3") || matches(f, "labels", "idx1")))
                .toList();
    }

    private static boolean matches(Path f, String role, String kind) {
        String s = f.getFileName().toString();
        return s.contains(role) && s.contains(kind);
    }

    /** The labels file whose name is the images file's with "labels"/"idx1" for "images"/"idx3", .gz or not. */
    private static Path partner(Path images, List<Path> labels) {
        String want = plain(images.getFileName().toString()).replace("images", "labels").replace("idx3", "idx1");
        return labels.stream().filter(l -> plain(l.getFileName().toString()).equals(want)).findFirst().orElse(null);
    }

    private static String plain(String fileName) {
        return fileName.endsWith(".gz") ? fileName.substring(0, fileName.length() - 3) : fileName;
    }

    /** "train", "test" (MNIST's t10k, EMNIST's test) or null when the name says neither or both. */
    private static String role(Path f) {
        String s = f.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        boolean test = s.contains("t10k") || s.contains("test");
        boolean train = s.contains("train");
        return train == test ? null : train ? "train" : "test";
    }

    /** The file name up to its train/test word, as reports name the pair: "train-*", "emnist-balanced-test-*". */
    private static String stem(Path f, String role) {
        String s = f.getFileName().toString();
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        int at = role.equals("train") ? lower.indexOf("train") : lower.contains("t10k") ? lower.indexOf("t10k") : lower.indexOf("test");
        int end = at + (role.equals("train") ? 5 : 4);
        if (end < s.length() && "-_.".indexOf(s.charAt(end)) >= 0) {
            end++;
        }
        return s.substring(0, end) + "*";
    }

    private static Path findOne(Path dir, String role, String kind, DataRoot root) {
        List<Path> hits = idxFiles(dir, root).stream().filter(f -> matches(f, role, kind)).toList();
        if (hits.size() != 1) {
            throw new LoadException("idx: expected exactly one *" + role + "*" + kind + "* file in " + root.show(dir) + ", found "
                    + hits.stream().map(root::show).toList() + "; name it with the '" + role + "' option");
        }
        return hits.get(0);
    }

    /** An IDX array of uint8. */
    record Idx(int[] dims, byte[] data) {
    }

    static Idx read(Path file, int expectedRank, DataRoot root) {
        String shown = root.show(file);
        try (DataInputStream data = open(file)) {
            int[] dims = header(data, expectedRank, shown);
            long total = 1;
            for (int d : dims) {
                total *= d;
            }
            if (total > Integer.MAX_VALUE - 8) {
                throw new LoadException("idx: " + shown + " holds " + total + " bytes, more than one array can");
            }
            byte[] bytes = new byte[(int) total];
            data.readFully(bytes);
            if (data.read() != -1) {
                throw new LoadException("idx: " + shown + " has bytes after the " + total + " its header announces");
            }
            return new Idx(dims, bytes);
        } catch (EOFException e) {
            throw new LoadException("idx: " + shown + " is truncated (shorter than its header announces)", e);
        } catch (IOException e) {
            throw new LoadException("idx: cannot read " + shown + ": " + e.getMessage(), e);
        }
    }

    /** The file's bytes, gunzipped when it starts with the gzip magic (whatever its name says). */
    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            return new DataInputStream(b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw)) : raw);
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    /** Reads and checks the magic and the dimensions of an IDX array of uint8. */
    private static int[] header(DataInputStream data, int expectedRank, String shown) throws IOException {
        int magic = data.readInt();
        int expected = (UBYTE << 8) | expectedRank;
        if (magic != expected) {
            throw new LoadException(String.format("idx: %s has magic 0x%08x, expected 0x%08x (uint8, %d dimension%s)",
                    shown, magic, expected, expectedRank, expectedRank == 1 ? "" : "s"));
        }
        int[] dims = new int[expectedRank];
        for (int i = 0; i < expectedRank; i++) {
            dims[i] = data.readInt();
            if (dims[i] < 0 || (i > 0 && dims[i] == 0)) {
                throw new LoadException("idx: " + shown + " dimension " + i + " is " + dims[i]);
            }
        }
        return dims;
    }
}
