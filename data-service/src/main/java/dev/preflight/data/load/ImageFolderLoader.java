package dev.preflight.data.load;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.Skipped;
import dev.preflight.wire.DType;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * One sub-folder per class (class names = folder names, sorted), images of any size directly in each, resized to the
 * declared shape. Samples are ordered by class folder, then file name, so the dataset is the same on every load.
 *
 * <p>A root holding {@code train/} and {@code val/} (or {@code valid/}, {@code validation/}, {@code test/}; any case),
 * each with class folders, is the split the data came with: classes are the union of both sides' class folders, train
 * samples come first, and the val side becomes the dataset's given split (unless the registration says
 * {@code givenSplit: false}, which pools them). With both val and test, test is left out: it is for the end.
 *
 * <p>Skipped (listed with the reason): image files that cannot be decoded, are truncated or in a format ImageIO cannot
 * read, and symlinks leading out of the data root. Ignored (listed, not counted as damage): files that are not images
 * and folders inside class folders. OS clutter ({@link DataFiles}) is dropped silently. What explains an odd result (a
 * class whose images sit one folder deeper, a class on one side of the split only) becomes a note.
 */
public final class ImageFolderLoader {

    private static final List<String> VAL_NAMES = List.of("val", "valid", "validation");

    private ImageFolderLoader() {
    }

    /**
     * @throws LoadException         when {@code dir} is not a directory, has no class folders, holds two folders for
     *                               the same split side ({@code val/} and {@code valid/}), or no image in it loads
     * @throws PathRejectedException when a folder resolves outside the data root
     */
    public static Dataset load(String name, Path dir, Registration r, DataRoot root) {
        try (SampleSink sink = SampleSink.inHeap()) {
            return load(name, dir, r, root, sink);
        }
    }

    /**
     * As {@link #load(String, Path, Registration, DataRoot)}, decoding each image straight into {@code sink} (a store
     * file), so the heap holds labels and sources, never the pixels of the whole folder.
     */
    public static Dataset load(String name, Path dir, Registration r, DataRoot root, SampleSink sink) {
        int[] shape = Images.shape(r, "image-folder");
        if (!Files.isDirectory(dir)) {
            throw new LoadException("image-folder: '" + root.show(dir) + "' must be a directory with one sub-folder per class");
        }
        Builder b = new Builder(shape, root, dir, sink);
        List<Path> entries = DataFiles.list(dir, root);
        List<Path> dirs = entries.stream().filter(Files::isDirectory).toList();
        List<Path> trains = named(dirs, List.of("train"));
        List<Path> vals = named(dirs, VAL_NAMES);
        List<Path> tests = named(dirs, List.of("test"));
        boolean splitLayout = !trains.isEmpty() && (!vals.isEmpty() || !tests.isEmpty());
        for (List<Path> side : List.of(trains, vals, tests)) {
            if (side.size() > 1 && splitLayout) {
                throw new LoadException("image-folder: " + side.stream().map(root::show).toList()
                        + " are all the same split side; keep one of them");
            }
        }
        Path train = trains.isEmpty() ? null : trains.get(0);
        Path val = vals.isEmpty() ? null : vals.get(0);
        Path test = tests.isEmpty() ? null : tests.get(0);
        entries.stream().filter(f -> !Files.isDirectory(f)).forEach(b::outside);
        if (splitLayout || (train != null && dirs.size() == 1)) {
            for (Path d : dirs) {
                if (!d.equals(train) && !d.equals(val) && !d.equals(test)) {
                    b.ignored.add(new Skipped(root.show(d), "a folder beside " + b.rel(train) + ": not loaded"));
                }
            }
            if (!splitLayout) {
                b.notes.add(b.rel(train) + " is the only folder: loaded as the whole dataset, Preflight splits it");
                b.loadPart(train, null);
                return b.build(name, null);
            }
            return loadSplit(name, b, r, train, val, test);
        }
        if (dirs.isEmpty()) {
            int loose = (int) entries.stream().filter(f -> DataFiles.kind(f) == DataFiles.Kind.IMAGE).count();
            throw new LoadException("image-folder: '" + root.show(dir) + "' has no class sub-folders"
                    + (loose > 0 ? " (" + images(loose) + " sit directly in it: put each class's images in a folder named after the class)" : ""));
        }
        b.loadPart(dir, null);
        return b.build(name, null);
    }

    private static Dataset loadSplit(String name, Builder b, Registration r, Path train, Path val, Path test) {
        Path valSide = val != null ? val : test;
        if (val != null && test != null) {
            b.notes.add(b.rel(test) + " (" + images(DataFiles.countImages(test)) + ") left out: keep the test split for the end");
        }
        if (DataFiles.list(valSide, b.root).stream().noneMatch(Files::isDirectory)) {
            // Kaggle's test/ is often a heap of unlabelled images: nothing to validate against.
            b.notes.add(b.rel(valSide) + " has no class folders (" + images(DataFiles.countImages(valSide))
                    + " directly in it: unlabelled?): left out, no given split, Preflight splits " + b.rel(train));
            b.loadPart(train, null);
            return b.build(name, null);
        }
        // Class folders of both sides, so a class missing on one side still gets its index (and an empty count).
        TreeSet<String> classes = new TreeSet<>();
        for (Path side : List.of(train, valSide)) {
            DataFiles.list(side, b.root).stream().filter(Files::isDirectory).forEach(d -> classes.add(d.getFileName().toString()));
        }
        List<String> classNames = List.copyOf(classes);
        int[] trainCounts = b.loadPart(train, classNames);
        int valStart = b.labels.size();
        int[] valCounts = b.loadPart(valSide, classNames);
        int valEnd = b.labels.size();
        String description = "folders " + b.rel(train) + " and " + b.rel(valSide);
        if (Boolean.FALSE.equals(r.givenSplit())) {
            b.notes.add("givenSplit=false: " + b.rel(train) + " (" + images(valStart) + ") and " + b.rel(valSide) + " ("
                    + images(valEnd - valStart) + ") pooled; Preflight splits them");
            return b.build(name, null);
        }
        if (valStart == 0 || valEnd == valStart) {
            b.notes.add((valStart == 0 ? b.rel(train) : b.rel(valSide)) + " has no loadable image: no given split, Preflight splits "
                    + "what loaded");
            return b.build(name, null);
        }
        for (int c = 0; c < classNames.size(); c++) {
            if (trainCounts[c] > 0 && valCounts[c] == 0) {
                b.notes.add("class '" + classNames.get(c) + "' has " + images(trainCounts[c]) + " in " + b.rel(train)
                        + " but none in " + b.rel(valSide));
            } else if (valCounts[c] > 0 && trainCounts[c] == 0) {
                b.notes.add("class '" + classNames.get(c) + "' has " + images(valCounts[c]) + " in " + b.rel(valSide)
                        + " but none in " + b.rel(train));
            }
        }
        int[] valIndices = new int[valEnd - valStart];
        for (int i = 0; i < valIndices.length; i++) {
            valIndices[i] = valStart + i;
        }
        return b.build(name, new Dataset.GivenSplit(description, valIndices));
    }

    private static String images(int n) {
        return n + (n == 1 ? " image" : " images");
    }

    /** The folders among {@code dirs} named one of {@code names}, in any case. */
    private static List<Path> named(List<Path> dirs, List<String> names) {
        return dirs.stream().filter(d -> names.contains(d.getFileName().toString().toLowerCase(Locale.ROOT))).toList();
    }

    /** Accumulates samples, sources and the lists of what was left out, over one or two parts (train, val). */
    private static final class Builder {
        final int[] shape;
        final DataRoot root;
        final Path dir;
        final int sampleBytes;
        final SampleSink data;
        final List<Integer> labels = new ArrayList<>();
        final List<String> sources = new ArrayList<>();
        final List<Skipped> skipped = new ArrayList<>();
        final List<Skipped> ignored = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        final byte[] sample;
        List<String> classNames;

        Builder(int[] shape, DataRoot root, Path dir, SampleSink data) {
            this.data = data;
            this.shape = shape;
            this.root = root;
            this.dir = dir;
            this.sampleBytes = shape[0] * shape[1] * shape[2];
            this.sample = new byte[sampleBytes];
        }

        /** A folder as notes name it: relative to the dataset folder, with a trailing slash ("train/cat/"). */
        String rel(Path p) {
            return dir.relativize(p) + "/";
        }

        /**
         * Loads the class folders of {@code part}; with {@code names} null they are its own sub-folders (and
         * become the dataset's classes), else the given list, of which {@code part} may lack some.
         *
         * @return images loaded per class
         */
        int[] loadPart(Path part, List<String> names) {
            List<Path> entries = DataFiles.list(part, root);
            if (!part.equals(dir)) {
                entries.stream().filter(f -> !Files.isDirectory(f)).forEach(this::outside);
            }
            if (names == null) {
                names = entries.stream().filter(Files::isDirectory).map(d -> d.getFileName().toString()).toList();
            }
            classNames = names;
            int[] counts = new int[names.size()];
            for (int c = 0; c < names.size(); c++) {
                Path classDir = part.resolve(names.get(c));
                if (Files.isDirectory(classDir)) {
                    counts[c] = loadClass(classDir, c);
                }
            }
            return counts;
        }

        /** Lists a file that sits beside the class folders instead of in one. */
        void outside(Path f) {
            ignored.add(DataFiles.kind(f) == DataFiles.Kind.IMAGE
                    ? new Skipped(root.show(f), "an image outside the class folders") : DataFiles.notAnImage(f, root));
        }

        private int loadClass(Path classDir, int label) {
            int direct = 0;
            int loaded = 0;
            List<Path> subFolders = new ArrayList<>();
            for (Path f : DataFiles.list(classDir, root)) {
                String shown = root.show(f);
                switch (DataFiles.kind(f)) {
                    case DIRECTORY -> {
                        subFolders.add(f);
                        continue;
                    }
                    case OTHER -> {
                        ignored.add(DataFiles.notAnImage(f, root));
                        continue;
                    }
                    default -> direct++;
                }
                try {
                    root.inside(f, shown);
                    BufferedImage img = Images.read(f);
                    Images.toSample(img, shape[0], shape[1], shape[2], sample, 0);
                } catch (IOException | PathRejectedException e) {
                    skipped.add(new Skipped(shown, e.getMessage()));
                    continue;
                }
                data.add(sample, null);
                labels.add(label);
                sources.add(shown);
                loaded++;
            }
            // Never recurse: a class folder's sub-folders are often something else (augmented copies, masks), and
            // silently mixing them in would be worse than an empty class the data check fails on.
            int below = 0;
            List<String> withImages = new ArrayList<>();
            for (Path s : subFolders) {
                int n = DataFiles.countImages(s);
                below += n;
                if (n > 0) {
                    withImages.add(rel(s));
                }
                ignored.add(new Skipped(root.show(s), "a folder inside a class folder: not searched (" + images(n) + " in it)"));
            }
            if (direct == 0 && below > 0) {
                notes.add("class '" + classDir.getFileName() + "' has no image directly in " + rel(classDir) + " but " + below
                        + " in sub-folders (" + String.join(", ", withImages) + "): images must sit directly in their class folder");
            }
            return loaded;
        }

        Dataset build(String name, Dataset.GivenSplit split) {
            if (labels.isEmpty()) {
                throw new LoadException("image-folder: no valid image in '" + root.show(dir) + "'" + firstSkipped(skipped)
                        + (notes.isEmpty() ? "" : "; " + String.join("; ", notes)));
            }
            Dataset d = new Dataset(name, shape, DType.UINT8, classNames.size(), labels.stream().mapToInt(Integer::intValue).toArray(),
                    data.finish().samples(), null, classNames, skipped)
                    .withSources(sources).withIgnored(ignored).withNotes(notes);
            return split == null ? d : d.withGivenSplit(split);
        }
    }

    static String firstSkipped(List<Skipped> skipped) {
        return skipped.isEmpty() ? "" : " (" + skipped.size() + " file(s) skipped, first " + skipped.get(0).file() + ": "
                + skipped.get(0).reason() + ")";
    }
}
