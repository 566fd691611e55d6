package dev.preflight.cli.command;

import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How to read a dataset given as a path: every option of the data-service's registration
 * ({@code POST /api/datasets}, documented in docs/data-service.md), as command-line options. Unset options are left
 * out of the registration, so the data-service's documented defaults (sniffed CSV dialects, given splits) apply.
 */
public class DatasetOptions {

    @Option(names = "--image-shape", split = ",", defaultValue = "32,32,3",
            description = "Image folders and segmentation: resize to h,w,c; c = 1 (gray) or 3 (RGB) (default: ${DEFAULT-VALUE}).")
    List<Integer> imageShape;

    @Option(names = "--label-column", description = "CSV: the label column's header name or 0-based index (default: the last column).")
    String labelColumn;

    @Option(names = "--header", negatable = true, description = "CSV: the first row is (--header) or is not (--no-header) a header "
            + "(default: sniffed).")
    Boolean header;

    @Option(names = "--separator", description = "CSV: the cell separator, one character or 'tab' (default: sniffed among , ; tab |).")
    String separator;

    @Option(names = "--decimal", description = "CSV: the decimal mark, '.' or ',' (default: sniffed).")
    String decimal;

    @Option(names = "--encoding", description = "CSV: the file's charset (default: UTF-8, windows-1252 when the bytes are not UTF-8).")
    String encoding;

    @Option(names = "--na-values", split = ",", description = "CSV: cell texts that mean 'missing' (default: empty, NA, N/A, NaN, "
            + "null, None, ?, #N/A, -, \\N).")
    List<String> naValues;

    @Option(names = "--missing", description = "CSV: 'skip' rows with a missing feature (listed), or 'impute' the train mean (default: skip).")
    String missing;

    @Option(names = "--categorical", description = "CSV: text columns are one-hot encoded ('onehot') or refused ('refuse') (default: onehot).")
    String categorical;

    @Option(names = "--ignore-columns", split = ",", description = "CSV: columns that are not features (names or 0-based indices), e.g. id,name.")
    List<String> ignoreColumns;

    @Option(names = "--feature-scaling", description = "CSV: 'standardize' with train-split statistics, or 'none' (default: standardize).")
    String featureScaling;

    @Option(names = "--images", description = "IDX: the images file; segmentation: the image folder (default: found).")
    String images;

    @Option(names = "--labels", description = "IDX: the labels file (default: found).")
    String labels;

    @Option(names = "--masks", description = "Segmentation: the mask folder (default: masks).")
    String masks;

    @Option(names = "--num-classes", description = "Segmentation: the number of mask classes (default: largest mask value + 1).")
    Integer numClasses;

    @Option(names = "--given-split", negatable = true, description = "Use a split that comes with the data (train/ and val/ folders, "
            + "MNIST's train and t10k files); --no-given-split pools them and lets Preflight split (default: use it).")
    Boolean givenSplit;

    /** Which formats an option applies to: giving one for another format is a mistake worth one line, not silence. */
    private Map<String, List<String>> given() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        put(m, "--label-column", labelColumn, "csv");
        put(m, "--header", header, "csv");
        put(m, "--separator", separator, "csv");
        put(m, "--decimal", decimal, "csv");
        put(m, "--encoding", encoding, "csv");
        put(m, "--na-values", naValues, "csv");
        put(m, "--missing", missing, "csv");
        put(m, "--categorical", categorical, "csv");
        put(m, "--ignore-columns", ignoreColumns, "csv");
        put(m, "--feature-scaling", featureScaling, "csv");
        put(m, "--images", images, "idx", "segmentation");
        put(m, "--labels", labels, "idx");
        put(m, "--masks", masks, "segmentation");
        put(m, "--num-classes", numClasses, "segmentation");
        put(m, "--given-split", givenSplit, "idx", "image-folder");
        return m;
    }

    private static void put(Map<String, List<String>> m, String option, Object value, String... formats) {
        if (value != null) {
            m.put(option, List.of(formats));
        }
    }

    /**
     * The registration request for {@code path}.
     *
     * @throws IllegalArgumentException naming an option that does not apply to the detected format
     */
    Map<String, Object> registration(DatasetPath path) {
        for (Map.Entry<String, List<String>> e : given().entrySet()) {
            if (!e.getValue().contains(path.format())) {
                throw new IllegalArgumentException(e.getKey() + " applies to " + String.join(" and ", e.getValue()) + " datasets; "
                        + path.path() + " is read as " + path.format());
            }
        }
        Map<String, Object> r = path.registration(imageShape);
        putIfSet(r, "labelColumn", labelColumn);
        putIfSet(r, "header", header);
        putIfSet(r, "separator", separator);
        putIfSet(r, "decimal", decimal);
        putIfSet(r, "encoding", encoding);
        putIfSet(r, "missingValues", naValues);
        putIfSet(r, "missing", missing);
        putIfSet(r, "categorical", categorical);
        putIfSet(r, "ignoreColumns", ignoreColumns);
        putIfSet(r, "featureScaling", featureScaling);
        putIfSet(r, "images", images);
        putIfSet(r, "labels", labels);
        putIfSet(r, "masks", masks);
        putIfSet(r, "numClasses", numClasses);
        putIfSet(r, "givenSplit", givenSplit);
        return r;
    }

    private static void putIfSet(Map<String, Object> r, String field, Object value) {
        if (value != null) {
            r.put(field, value);
        }
    }
}
