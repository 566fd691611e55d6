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
import java.util.Map;
import java.util.TreeMap;

/**
 * Image/mask pairs: an image folder and a mask folder, matched by file name without extension ("cat1.jpg" with
 * "cat1.png"). A mask's first band holds class ids (palette indices or gray levels; 0 is conventionally background)
 * and is resized with nearest neighbour, so no new class ids appear at edges. Masks are taken as stored (a 0/255 mask
 * gives 256 classes; the data check diagnoses it). Images are read and resized like {@link ImageFolderLoader}'s.
 *
 * <p>Skipped and listed: unpaired images and masks, unreadable or truncated files, masks with an id outside the
 * declared classes. Ignored and listed: files that are not images (sidecars, a README) and sub-folders. OS clutter
 * ({@link DataFiles}) is dropped silently. Masks stored as JPEG get a note: lossy compression invents ids at edges.
 */
public final class SegmentationLoader {

    private SegmentationLoader() {
    }

    /**
     * @throws LoadException         when numClasses is outside [2, 256], the image or mask folder is missing, or no
     *                               pair loads
     * @throws PathRejectedException when a folder resolves outside the data root
     */
    public static Dataset load(String name, Path dir, Registration r, DataRoot root) {
        try (SampleSink sink = SampleSink.inHeap()) {
            return load(name, dir, r, root, sink);
        }
    }

    /** As {@link #load(String, Path, Registration, DataRoot)}, decoding each image and mask straight into {@code sink}. */
    public static Dataset load(String name, Path dir, Registration r, DataRoot root, SampleSink sink) {
        int[] shape = Images.shape(r, "segmentation");
        if (r.numClasses() != null && (r.numClasses() < 2 || r.numClasses() > 256)) {
            throw new LoadException("segmentation: numClasses must be in [2, 256], was " + r.numClasses());
        }
        Path imageDir = root.inside(dir.resolve(r.images() == null ? "images" : r.images()), "images");
        Path maskDir = root.inside(dir.resolve(r.masks() == null ? "masks" : r.masks()), "masks");
        if (!Files.isDirectory(imageDir) || !Files.isDirectory(maskDir)) {
            throw new LoadException("segmentation: '" + root.show(dir) + "' needs an image folder and a mask folder ("
                    + root.show(imageDir) + ", " + root.show(maskDir) + ")");
        }
        List<Skipped> skipped = new ArrayList<>();
        List<Skipped> ignored = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        // TreeMap: leftover masks are listed in name order, the same on every load.
        Map<String, Path> masks = new TreeMap<>();
        for (Path m : DataFiles.list(maskDir, root)) {
            switch (DataFiles.kind(m)) {
                case DIRECTORY -> ignored.add(new Skipped(root.show(m), "a folder inside the mask folder: not searched"));
                case OTHER -> ignored.add(DataFiles.notAnImage(m, root));
                default -> {
                    Path other = masks.putIfAbsent(Images.baseName(m), m);
                    if (other != null) {
                        skipped.add(new Skipped(root.show(m), "a second mask for " + Images.baseName(m) + ": "
                                + root.show(other) + " is used"));
                    }
                }
            }
        }
        int h = shape[0];
        int w = shape[1];
        int sampleBytes = h * w * shape[2];
        List<String> sources = new ArrayList<>();
        List<String> jpegMasks = new ArrayList<>();
        byte[] sample = new byte[sampleBytes];
        byte[] mask = new byte[h * w];
        int maxId = 0;
        int count = 0;
        for (Path f : DataFiles.list(imageDir, root)) {
            String shown = root.show(f);
            switch (DataFiles.kind(f)) {
                case DIRECTORY -> {
                    ignored.add(new Skipped(shown, "a folder inside the image folder: not searched"));
                    continue;
                }
                case OTHER -> {
                    ignored.add(DataFiles.notAnImage(f, root));
                    continue;
                }
                default -> {
                }
            }
            Path m = masks.remove(Images.baseName(f));
            if (m == null) {
                skipped.add(new Skipped(shown, "no mask named " + Images.baseName(f) + ".* in " + root.show(maskDir)));
                continue;
            }
            try {
                root.inside(f, shown);
                root.inside(m, root.show(m));
                BufferedImage img = Images.read(f);
                BufferedImage mk;
                byte[] head = new byte[3];
                try (java.io.InputStream in = Files.newInputStream(m)) {
                    if (in.readNBytes(head, 0, 3) == 3 && "JPEG".equals(Images.sniff(head))) {
                        jpegMasks.add(root.show(m));
                    }
                }
                try {
                    mk = Images.read(m);
                } catch (IOException e) {
                    throw new IOException("mask " + root.show(m) + ": " + e.getMessage(), e);
                }
                int[] ids = Images.maskValues(mk, h, w);
                int limit = r.numClasses() == null ? 256 : r.numClasses();
                for (int i = 0; i < ids.length; i++) {
                    if (ids[i] >= limit) {
                        throw new IOException("mask " + root.show(m) + " has class id " + ids[i] + ", numClasses is " + limit);
                    }
                    mask[i] = (byte) ids[i];
                }
                for (int id : ids) {
                    maxId = Math.max(maxId, id);
                }
                Images.toSample(img, h, w, shape[2], sample, 0);
            } catch (IOException | PathRejectedException e) {
                skipped.add(new Skipped(shown, e.getMessage()));
                continue;
            }
            sink.add(sample, mask);
            sources.add(shown);
            count++;
        }
        masks.values().forEach(m -> skipped.add(new Skipped(root.show(m), "no image with the same name")));
        if (!jpegMasks.isEmpty()) {
            notes.add(jpegMasks.size() + " mask(s) stored as JPEG (first " + jpegMasks.get(0) + "): lossy compression "
                    + "invents class ids at object edges: store masks as PNG");
        }
        if (count == 0) {
            throw new LoadException("segmentation: no valid image/mask pair in '" + root.show(dir) + "'"
                    + ImageFolderLoader.firstSkipped(skipped));
        }
        int numClasses = r.numClasses() != null ? r.numClasses() : Math.max(2, maxId + 1);
        SampleSink.Finished stored = sink.finish();
        return new Dataset(name, shape, DType.UINT8, numClasses, new int[count], stored.samples(), stored.masks(),
                null, skipped).withSources(sources).withIgnored(ignored).withNotes(notes);
    }
}
