package dev.preflight.data.model;

/**
 * {@code POST /api/run-checks}: the run can be streamed, and this is what it will get.
 *
 * @param trainSize  samples in the train side of the run's split
 * @param valSize    samples in the val side
 * @param subsetSize train samples the run trains on (its subset, or the whole train side)
 * @param batchSize  samples per train batch (the asked size, capped at the subset)
 * @param givenSplit the split the data came with ("folders train/ and val/"), or null: Preflight's own split
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record RunCheck(String dataset, int trainSize, int valSize, int subsetSize, int batchSize, String givenSplit) {
}
