package dev.preflight.data.load;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.Skipped;
import dev.preflight.wire.DType;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One sub-folder per class (class names = folder names, sorted), PNG/JPEG files of any size in each, resized to the
 * declared shape. Samples are ordered by class folder, then file name, so the dataset is the same on every load.
 * Unreadable files, other files and symlinks leading out of the data root are skipped and listed.
 */
public final class ImageFolderLoader {

    private ImageFolderLoader() {
    }

    public static Dataset load(String name, Path dir, Registration r, DataRoot root) {
        int[] shape = Images.shape(r, "image-folder");
        if (!Files.isDirectory(dir)) {
            throw new LoadException("image-folder: '" + root.show(dir) + "' must be a directory with one sub-folder per class");
        }
        List<Path> classDirs = list(dir, root).stream().filter(Files::isDirectory).toList();
        if (classDirs.isEmpty()) {
            throw new LoadException("image-folder: '" + root.show(dir) + "' has no class sub-folders");
        }
        int sampleBytes = shape[0] * shape[1] * shape[2];
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        List<Integer> labels = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        List<String> classNames = new ArrayList<>();
        byte[] sample = new byte[sampleBytes];
        for (int c = 0; c < classDirs.size(); c++) {
            Path classDir = classDirs.get(c);
            classNames.add(classDir.getFileName().toString());
            for (Path f : list(classDir, root)) {
                String shown = root.show(f);
                if (Files.isDirectory(f)) {
                    continue;
                }
                if (!Images.isImageFile(f)) {
                    skipped.add(new Skipped(shown, "not a .png, .jpg or .jpeg file"));
                    continue;
                }
                try {
                    root.inside(f, shown);
                    BufferedImage img = Images.read(f);
                    Images.toSample(img, shape[0], shape[1], shape[2], sample, 0);
                } catch (IOException | PathRejectedException e) {
                    skipped.add(new Skipped(shown, e.getMessage()));
                    continue;
                }
                data.write(sample, 0, sampleBytes);
                labels.add(c);
            }
        }
        if (labels.isEmpty()) {
            throw new LoadException("image-folder: no valid image in '" + root.show(dir) + "'" + firstSkipped(skipped));
        }
        return new Dataset(name, shape, DType.UINT8, classNames.size(), labels.stream().mapToInt(Integer::intValue).toArray(),
                data.toByteArray(), null, classNames, skipped);
    }

    static String firstSkipped(List<Skipped> skipped) {
        return skipped.isEmpty() ? "" : " (" + skipped.size() + " file(s) skipped, first " + skipped.get(0).file() + ": "
                + skipped.get(0).reason() + ")";
    }

    /** Entries of {@code dir}, sorted by name; the folder itself must be inside the root. */
    static List<Path> list(Path dir, DataRoot root) {
        root.inside(dir, root.show(dir));
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new LoadException("cannot list " + root.show(dir) + ": " + e.getMessage(), e);
        }
    }
}
