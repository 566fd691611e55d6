package dev.preflight.wire;

import java.util.List;

/**
 * How a run's data is drawn. Boxed fields so that a missing field is told apart from a zero.
 *
 * @param seed        split and shuffling seed: same seed, same split and batch order, bit for bit
 * @param subsetSize  train samples used; 0 means the whole train split (the recipe's "overfit 1 sample" uses 1)
 * @param batchSize   samples per train batch; capped at the subset size, so a 1-sample subset trains on a batch of 1
 * @param valFraction share of each class held out for validation, in (0, 1)
 */
public record DataConfig(Long seed, Integer subsetSize, Integer batchSize, Double valFraction) {

    void validate(String prefix, List<String> problems) {
        if (seed == null) {
            problems.add(prefix + "seed is required");
        }
        if (subsetSize == null) {
            problems.add(prefix + "subsetSize is required (0 = whole train split)");
        } else if (subsetSize < 0) {
            problems.add(prefix + "subsetSize must be >= 0, was " + subsetSize);
        }
        if (batchSize == null) {
            problems.add(prefix + "batchSize is required");
        } else if (batchSize < 1 || batchSize > 4096) {
            problems.add(prefix + "batchSize must be in [1, 4096], was " + batchSize);
        }
        if (valFraction == null) {
            problems.add(prefix + "valFraction is required");
        } else if (!(valFraction > 0 && valFraction < 1)) {
            problems.add(prefix + "valFraction must be in (0, 1), was " + valFraction);
        }
    }

    /** The batch size the stream really uses. */
    public int effectiveBatchSize(int trainSamples) {
        return Math.max(1, Math.min(batchSize, trainSamples));
    }
}
