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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Image/mask pairs: an image folder and a mask folder, matched by file name without extension ("cat1.jpg" with
 * "cat1.png"). A mask's first band holds class ids (palette indices or gray levels; 0 is conventionally background)
 * and is resized with nearest neighbour, so no new class ids appear at edges. Images are resized like
 * {@link ImageFolderLoader}'s. Unpaired or unreadable files, and masks with an id outside the declared classes, are
 * skipped and listed.
 */
public final class SegmentationLoader {

    private SegmentationLoader() {
    }

    public static Dataset load(String name, Path dir, Registration r, DataRoot root) {
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
        Map<String, Path> masks = new HashMap<>();
        for (Path m : ImageFolderLoader.list(maskDir, root)) {
            if (!Files.isDirectory(m)) {
                masks.put(Images.baseName(m), m);
            }
        }
        int h = shape[0];
        int w = shape[1];
        int sampleBytes = h * w * shape[2];
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteArrayOutputStream maskData = new ByteArrayOutputStream();
        byte[] sample = new byte[sampleBytes];
        byte[] mask = new byte[h * w];
        int maxId = 0;
        int count = 0;
        for (Path f : ImageFolderLoader.list(imageDir, root)) {
            String shown = root.show(f);
            if (Files.isDirectory(f)) {
                continue;
            }
            Path m = masks.remove(Images.baseName(f));
            if (m == null) {
                skipped.add(new Skipped(shown, "no mask named " + Images.baseName(f) + ".* in " + root.show(maskDir)));
                continue;
            }
            try {
                if (!Images.isImageFile(f) || !Images.isImageFile(m)) {
                    throw new IOException("image and mask must be .png, .jpg or .jpeg files");
                }
                root.inside(f, shown);
                root.inside(m, root.show(m));
                BufferedImage img = Images.read(f);
                BufferedImage mk;
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
                    maxId = Math.max(maxId, ids[i]);
                }
                Images.toSample(img, h, w, shape[2], sample, 0);
            } catch (IOException | PathRejectedException e) {
                skipped.add(new Skipped(shown, e.getMessage()));
                continue;
            }
            data.write(sample, 0, sampleBytes);
            maskData.write(mask, 0, mask.length);
            count++;
        }
        masks.values().stream().sorted().forEach(m -> skipped.add(new Skipped(root.show(m), "no image with the same name")));
        if (count == 0) {
            throw new LoadException("segmentation: no valid image/mask pair in '" + root.show(dir) + "'"
                    + ImageFolderLoader.firstSkipped(skipped));
        }
        int numClasses = r.numClasses() != null ? r.numClasses() : Math.max(2, maxId + 1);
        return new Dataset(name, shape, DType.UINT8, numClasses, new int[count], data.toByteArray(), maskData.toByteArray(),
                null, skipped);
    }
}
