package dev.preflight.data.model;

import java.util.List;

/**
 * {@code GET /api/datasets/{name}} (and the answer to a registration): the summary plus how many samples each class
 * has, so a user can see at a glance whether the classes are balanced before reading anything into accuracy numbers.
 *
 * @param classHistogram samples per class, indexed by class (mask pixels per class for segmentation)
 * @param skipped        files or lines that could not be loaded (listed by the stats endpoint)
 */
public record DatasetDetail(String name, int samples, int[] sampleShape, int numClasses, int[] classHistogram,
                            String dtype, List<String> classNames, boolean segmentation, int skipped) {

    public static DatasetDetail of(Dataset d) {
        return new DatasetDetail(d.name(), d.size(), d.sampleShape(), d.numClasses(), d.classCounts(d.allIndices()),
                d.dtype().name().toLowerCase(), d.classNames(), d.isSegmentation(), d.skipped().size());
    }
}
