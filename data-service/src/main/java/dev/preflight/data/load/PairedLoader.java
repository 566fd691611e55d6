package dev.preflight.data.load;

import dev.preflight.data.model.Dataset;
import dev.preflight.data.model.Skipped;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Image-to-image pairs (format {@code paired}): an input folder and a target folder, matched by file name without
 * extension ("a.png" with "a.png" or "a.jpg"). Both images of a pair are read and resized like
 * {@link ImageFolderLoader}'s, to the registered {@code imageShape}; the target becomes the sample's regression target
 * (scaled to [0, 1] in batches).
 *
 * <p>Unlike the classification loaders, which skip a bad file and list it, a bad pair refuses the whole registration:
 * a pair whose partner is missing, whose sizes or channels differ, or that cannot be read would silently teach the
 * generator the wrong mapping (a dropped input shifts nothing here, but a target of another size is resized into a
 * different picture). The refusal names up to {@link #LISTED} files per problem. Files that are not images and
 * sub-folders are ignored and listed; OS clutter ({@link DataFiles}) is dropped silently.
 */
public final class PairedLoader {

    /** Files a refusal names per problem before "and n more". */
    static final int LISTED = 5;

    private PairedLoader() {
    }

    /** As {@link #load(String, Path, Registration, DataRoot, SampleSink)}, into the heap. */
    public static Dataset load(String name, Path dir, Registration r, DataRoot root) {
        try (SampleSink sink = SampleSink.inHeap()) {
            return load(name, dir, r, root, sink);
        }
    }

    /**
     * Decodes every pair into {@code sink} (input as the sample, target as its second record).
     *
     * @throws LoadException         when imageShape is missing or invalid, a folder is missing, or any pair is
     *                               unmatched, mismatched in size or channels, or unreadable (each named)
     * @throws PathRejectedException when a folder resolves outside the data root
     */
    public static Dataset load(String name, Path dir, Registration r, DataRoot root, SampleSink sink) {
        int[] shape = Images.shape(r, "paired");
        Path inputDir = dir.resolve(r.images() == null ? "inputs" : r.images()).normalize();
        Path targetDir = dir.resolve(r.targets() == null ? "targets" : r.targets()).normalize();
        if (!Files.isDirectory(inputDir) || !Files.isDirectory(targetDir)) {
            throw new LoadException("paired: '" + root.show(dir) + "' needs an input folder and a target folder ("
                    + root.show(inputDir) + ", " + root.show(targetDir) + ")");
        }
        inputDir = root.inside(inputDir, root.show(inputDir));
        targetDir = root.inside(targetDir, root.show(targetDir));
        List<Skipped> ignored = new ArrayList<>();
        Map<String, Path> inputs = images(inputDir, root, ignored, "input");
        Map<String, Path> targets = images(targetDir, root, ignored, "target");
        List<String> noTarget = inputs.keySet().stream().filter(k -> !targets.containsKey(k)).map(k -> root.show(inputs.get(k))).toList();
        List<String> noInput = targets.keySet().stream().filter(k -> !inputs.containsKey(k)).map(k -> root.show(targets.get(k))).toList();
        List<String> problems = new ArrayList<>();
        if (!noTarget.isEmpty()) {
            problems.add(noTarget.size() + " input(s) without a target of the same name in " + root.show(targetDir) + ": " + listed(noTarget));
        }
        if (!noInput.isEmpty()) {
            problems.add(noInput.size() + " target(s) without an input of the same name in " + root.show(inputDir) + ": " + listed(noInput));
        }
        List<String> mismatched = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        int sampleBytes = shape[0] * shape[1] * shape[2];
        byte[] input = new byte[sampleBytes];
        byte[] target = new byte[sampleBytes];
        for (Map.Entry<String, Path> e : inputs.entrySet()) {
            Path t = targets.get(e.getKey());
            if (t == null) {
                continue;
            }
            BufferedImage in = read(e.getValue(), root, unreadable);
            BufferedImage out = read(t, root, unreadable);
            if (in == null || out == null) {
                continue;
            }
            if (in.getWidth() != out.getWidth() || in.getHeight() != out.getHeight() || channels(in) != channels(out)) {
                mismatched.add(root.show(e.getValue()) + " is " + describe(in) + ", " + root.show(t) + " is " + describe(out));
                continue;
            }
            if (!problems.isEmpty() || !mismatched.isEmpty() || !unreadable.isEmpty()) {
                continue; // refused anyway: keep checking pairs, stop decoding samples
            }
            Images.toSample(in, shape[0], shape[1], shape[2], input, 0);
            Images.toSample(out, shape[0], shape[1], shape[2], target, 0);
            sink.add(input, target);
            sources.add(root.show(e.getValue()));
        }
        if (!mismatched.isEmpty()) {
            problems.add(mismatched.size() + " pair(s) whose input and target differ in size or channels: " + listed(mismatched));
        }
        if (!unreadable.isEmpty()) {
            problems.add(unreadable.size() + " unreadable image(s): " + listed(unreadable));
        }
        if (!problems.isEmpty()) {
            throw new LoadException("paired: '" + root.show(dir) + "' is not a set of image pairs: " + String.join("; ", problems));
        }
        if (sources.isEmpty()) {
            throw new LoadException("paired: no image pair in '" + root.show(dir) + "' (" + root.show(inputDir) + " and "
                    + root.show(targetDir) + " hold no images)");
        }
        SampleSink.Finished stored = sink.finish();
        return new Dataset(name, shape, dev.preflight.wire.DType.UINT8, 1, new int[sources.size()], stored.samples(), null,
                List.of("pair"), List.of()).withTargets(stored.masks()).withSources(sources).withIgnored(ignored);
    }

    /** Image files of one side by base name (sorted: the same order on every load); a second file of a name is refused. */
    private static Map<String, Path> images(Path dir, DataRoot root, List<Skipped> ignored, String side) {
        Map<String, Path> byName = new TreeMap<>();
        for (Path f : DataFiles.list(dir, root)) {
            switch (DataFiles.kind(f)) {
                case DIRECTORY -> ignored.add(new Skipped(root.show(f), "a folder inside the " + side + " folder: not searched"));
                case OTHER -> ignored.add(DataFiles.notAnImage(f, root));
                case CLUTTER -> {
                }
                default -> {
                    Path other = byName.putIfAbsent(Images.baseName(f), f);
                    if (other != null) {
                        throw new LoadException("paired: two " + side + "s named " + Images.baseName(f) + ": " + root.show(other)
                                + " and " + root.show(f) + " (which one is the partner?)");
                    }
                }
            }
        }
        return byName;
    }

    private static BufferedImage read(Path f, DataRoot root, List<String> unreadable) {
        try {
            root.inside(f, root.show(f));
            return Images.read(f);
        } catch (IOException | PathRejectedException e) {
            unreadable.add(root.show(f) + " (" + e.getMessage() + ")");
            return null;
        }
    }

    /** 1 for a gray image, 3 for colour (palette images count as colour; alpha is dropped as everywhere). */
    static int channels(BufferedImage img) {
        return !(img.getColorModel() instanceof IndexColorModel)
                && img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY ? 1 : 3;
    }

    private static String describe(BufferedImage img) {
        return img.getWidth() + "x" + img.getHeight() + (channels(img) == 1 ? " gray" : " colour");
    }

    private static String listed(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(LISTED, names.size())))
                + (names.size() > LISTED ? " and " + (names.size() - LISTED) + " more" : "");
    }
}
