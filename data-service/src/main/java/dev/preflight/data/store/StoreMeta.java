package dev.preflight.data.store;

import dev.preflight.data.model.Skipped;

import java.util.List;

/**
 * The part of a store file that is not sample bytes: what the dataset's loader found out (classes, sources, what it
 * skipped and noted), stored as JSON after the labels so a restarted service rebuilds the very same {@code Dataset}
 * without decoding a file.
 *
 * @param fingerprint  {@code SourceFingerprint} of the registration and source listing the store was decoded from
 * @param sampleShape  per sample, e.g. [28, 28, 1]
 * @param dtype        {@code DType} name: UINT8 or FLOAT32
 * @param sources      per sample, where it came from ("cats/001.jpg")
 * @param featureNames tabular only, else null
 * @param givenSplit   the split the data came with, else null
 * @param featureScaling {@code Dataset.FeatureScaling} name
 * @param paired       true when the second record region holds target images (a paired dataset), not masks; null
 *                     otherwise (stores written before paired datasets existed)
 */
record StoreMeta(String fingerprint, String name, int[] sampleShape, String dtype, int numClasses, List<String> classNames,
                 List<Skipped> skipped, List<Skipped> ignored, List<String> notes, List<String> sources,
                 List<String> featureNames, GivenSplit givenSplit, String featureScaling, Boolean paired) {

    /** {@code Dataset.GivenSplit} as stored. */
    record GivenSplit(String description, int[] val) {
    }
}
