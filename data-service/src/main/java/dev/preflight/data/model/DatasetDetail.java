package dev.preflight.data.model;

/**
 * {@code GET /api/datasets/{name}}: the summary plus how many samples each class has, so a user can see at a glance
 * whether the classes are balanced before reading anything into accuracy numbers.
 *
 * @param classHistogram samples per class, indexed by class
 */
public record DatasetDetail(String name, int samples, int[] sampleShape, int numClasses, int[] classHistogram) {

    public static DatasetDetail of(Dataset d) {
        return new DatasetDetail(d.name(), d.size(), d.sampleShape(), d.numClasses(), d.classHistogram());
    }
}
