package dev.preflight.data.model;

/** One entry of {@code GET /api/datasets}. */
public record DatasetSummary(String name, int samples, int[] sampleShape, int numClasses) {

    public static DatasetSummary of(Dataset d) {
        return new DatasetSummary(d.name(), d.size(), d.sampleShape(), d.numClasses());
    }
}
