package dev.preflight.data.load;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * {@code POST /api/datasets}: a dataset on disk under the data root, and how to read it. Persisted as given, so a
 * restarted service re-registers the same datasets.
 *
 * @param name        dataset name runs refer to, {@code [a-z0-9][a-z0-9._-]{0,63}}
 * @param format      idx | csv | image-folder | segmentation
 * @param path        relative to the data root: a directory (idx, image-folder, segmentation) or a file (csv)
 * @param images      idx: images file inside {@code path} (default: the one file matching *images*idx3*);
 *                    segmentation: image folder inside {@code path} (default "images")
 * @param labels      idx: labels file inside {@code path} (default: the one file matching *labels*idx1*)
 * @param masks       segmentation: mask folder inside {@code path} (default "masks")
 * @param labelColumn csv: the label column's header name or 0-based index (default: the last column)
 * @param header      csv: whether the first row is a header (default: detected, a first row with a non-numeric
 *                    feature cell is a header)
 * @param imageShape  image-folder and segmentation: [h, w, c], c = 1 (grayscale) or 3 (RGB); required
 * @param numClasses  segmentation: number of mask classes (default: largest mask value + 1, at least 2)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Registration(String name, String format, String path, String images, String labels, String masks,
                           String labelColumn, Boolean header, List<Integer> imageShape, Integer numClasses) {

    public static final List<String> FORMATS = List.of("idx", "csv", "image-folder", "segmentation");
}
