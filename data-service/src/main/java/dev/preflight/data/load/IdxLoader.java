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
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The IDX format of MNIST and its family (Fashion-MNIST, KMNIST, EMNIST): an images file (magic 0x00000803, n x h x
 * w uint8) and a labels file (magic 0x00000801, n uint8), raw or gzip-compressed (told apart by the gzip magic, not the
 * file name).
 */
public final class IdxLoader {

    private static final int UBYTE = 0x08;

    private IdxLoader() {
    }

    public static Dataset load(String name, Path dir, Registration r, DataRoot root) {
        if (!Files.isDirectory(dir)) {
            throw new LoadException("idx: '" + root.show(dir) + "' must be a directory holding an images and a labels file");
        }
        Path images = root.inside(r.images() != null ? dir.resolve(r.images()) : find(dir, "images", "idx3", root), "images");
        Path labels = root.inside(r.labels() != null ? dir.resolve(r.labels()) : find(dir, "labels", "idx1", root), "labels");
        Idx img = read(images, 3, root);
        Idx lab = read(labels, 1, root);
        if (img.dims[0] != lab.dims[0]) {
            throw new LoadException("idx: " + root.show(images) + " has " + img.dims[0] + " images but " + root.show(labels)
                    + " has " + lab.dims[0] + " labels");
        }
        int n = img.dims[0];
        if (n == 0) {
            throw new LoadException("idx: " + root.show(images) + " holds no samples");
        }
        int[] labelValues = new int[n];
        int max = 0;
        for (int i = 0; i < n; i++) {
            labelValues[i] = lab.data[i] & 0xFF;
            max = Math.max(max, labelValues[i]);
        }
        return new Dataset(name, new int[]{img.dims[1], img.dims[2], 1}, DType.UINT8, max + 1, labelValues, img.data,
                null, null, List.of());
    }

    private static Path find(Path dir, String role, String kind, DataRoot root) {
        List<Path> hits = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> {
                String s = f.getFileName().toString();
                return s.contains(role) && s.contains(kind) && Files.isRegularFile(f);
            }).sorted().forEach(hits::add);
        } catch (IOException e) {
            throw new LoadException("idx: cannot list " + root.show(dir) + ": " + e.getMessage(), e);
        }
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
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw)) : raw;
            DataInputStream data = new DataInputStream(in);
            int magic = data.readInt();
            int expected = (UBYTE << 8) | expectedRank;
            if (magic != expected) {
                throw new LoadException(String.format("idx: %s has magic 0x%08x, expected 0x%08x (uint8, %d dimension%s)",
                        shown, magic, expected, expectedRank, expectedRank == 1 ? "" : "s"));
            }
            int[] dims = new int[expectedRank];
            long total = 1;
            for (int i = 0; i < expectedRank; i++) {
                dims[i] = data.readInt();
                if (dims[i] < 0 || (i > 0 && dims[i] == 0)) {
                    throw new LoadException("idx: " + shown + " dimension " + i + " is " + dims[i]);
                }
                total *= dims[i];
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
}
