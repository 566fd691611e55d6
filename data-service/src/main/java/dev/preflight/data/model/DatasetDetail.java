package dev.preflight.data.model;

import java.util.List;

/**
 * {@code GET /api/datasets/{name}} (and the answer to a registration): the summary plus how many samples each class
 * has, so a user can see at a glance whether the classes are balanced before reading anything into accuracy numbers.
 *
 * @param classHistogram samples per class, indexed by class (mask pixels per class for segmentation)
 * @param skipped        files or lines that could not be loaded (listed by the stats endpoint)
 * @param ignored        files that are not data (sidecars, READMEs; listed by the stats endpoint)
 * @param givenSplit     the split the data came with ("folders train/ and val/"), or null: Preflight splits
 * @param notes          what the loader noticed or decided (the sniffed CSV dialect, images one folder too deep):
 *                       shown at registration, because they explain what the data check will say
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record DatasetDetail(String name, int samples, int[] sampleShape, int numClasses, int[] classHistogram,
                            String dtype, List<String> classNames, boolean segmentation, int skipped, int ignored,
                            String givenSplit, List<String> notes) {

    public static DatasetDetail of(Dataset d) {
        Dataset.GivenSplit given = d.givenSplit();
        return new DatasetDetail(d.name(), d.size(), d.sampleShape(), d.numClasses(), d.classCounts(d.allIndices()),
                d.dtype().name().toLowerCase(), d.classNames(), d.isSegmentation(), d.skipped().size(), d.ignored().size(),
                given == null ? null : given.description(), d.notes());
    }
}
