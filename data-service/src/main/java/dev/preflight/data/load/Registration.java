package dev.preflight.data.load;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * {@code POST /api/datasets}: a dataset on disk under the data root, and how to read it. Persisted as given, so a
 * restarted service re-registers the same datasets. Every option is optional; {@code null} means "the documented
 * default", which for CSV dialects means "sniffed from the file".
 *
 * @param name           dataset name runs refer to, {@code [a-z0-9][a-z0-9._-]{0,63}}
 * @param format         idx | csv | image-folder | segmentation | paired
 * @param path           relative to the data root: a directory (idx, image-folder, segmentation) or a file (csv)
 * @param images         idx: images file inside {@code path} (default: the one file matching *images*idx3*, or a
 *                       train and a test file, which then give the split); segmentation: image folder inside
 *                       {@code path} (default "images"); paired: input folder inside {@code path} (default "inputs")
 * @param labels         idx: labels file inside {@code path} (default: as for images, *labels*idx1*)
 * @param masks          segmentation: mask folder inside {@code path} (default "masks")
 * @param labelColumn    csv: the label column's header name or 0-based index (default: the last column)
 * @param header         csv: whether the first row is a header (default: sniffed)
 * @param imageShape     image-folder, segmentation and paired: [h, w, c], c = 1 (grayscale) or 3 (RGB); required
 * @param numClasses     segmentation: number of mask classes (default: largest mask value + 1, at least 2)
 * @param separator      csv: the cell separator, one character or "tab" (default: sniffed among , ; tab |)
 * @param decimal        csv: "." or "," (default: sniffed; "," only with a separator other than ",")
 * @param encoding       csv: a charset name (default: UTF-8, with or without BOM; UTF-16 with a BOM; windows-1252 when
 *                       the bytes are not valid UTF-8)
 * @param missingValues  csv: cell texts that mean "missing", compared trimmed and ignoring case (default: empty, NA,
 *                       N/A, NaN, null, None, ?, #N/A, -, \N; a given list replaces it, an empty cell is always missing)
 * @param missing        csv: {@code skip} (default: a row with a missing feature is skipped and listed) or
 *                       {@code impute} (kept; the value becomes the train split's mean, a missing category all zeros)
 * @param categorical    csv: text-valued feature columns: {@code onehot} (default) or {@code refuse} (an error
 *                       naming the column)
 * @param ignoreColumns  csv: header names or 0-based indices of columns that are not features (ids, free text)
 * @param featureScaling csv: {@code standardize} (default: per feature, mean and std of the train split only) or
 *                       {@code none}
 * @param givenSplit     idx and image-folder: use a split that comes with the data (train/ and val/ or test/
 *                       folders, MNIST train and t10k files) when there is one (default true); false pools them and
 *                       lets Preflight split
 * @param targets        paired: target folder inside {@code path} (default "targets"), one file per input with the
 *                       same base name
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Registration(String name, String format, String path, String images, String labels, String masks,
                           String labelColumn, Boolean header, List<Integer> imageShape, Integer numClasses,
                           String separator, String decimal, String encoding, List<String> missingValues,
                           String missing, String categorical, List<String> ignoreColumns, String featureScaling,
                           Boolean givenSplit, String targets) {

    public static final List<String> FORMATS = List.of("idx", "csv", "image-folder", "segmentation", "paired");

    /** Every option but the paired format's target folder. */
    public Registration(String name, String format, String path, String images, String labels, String masks,
                        String labelColumn, Boolean header, List<Integer> imageShape, Integer numClasses,
                        String separator, String decimal, String encoding, List<String> missingValues,
                        String missing, String categorical, List<String> ignoreColumns, String featureScaling,
                        Boolean givenSplit) {
        this(name, format, path, images, labels, masks, labelColumn, header, imageShape, numClasses, separator, decimal,
                encoding, missingValues, missing, categorical, ignoreColumns, featureScaling, givenSplit, null);
    }

    /** The options every format has; format-specific ones default to null. */
    public Registration(String name, String format, String path, String images, String labels, String masks,
                        String labelColumn, Boolean header, List<Integer> imageShape, Integer numClasses) {
        this(name, format, path, images, labels, masks, labelColumn, header, imageShape, numClasses,
                null, null, null, null, null, null, null, null, null, null);
    }
}
