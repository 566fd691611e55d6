package dev.preflight.wire;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Set;

/**
 * How a run's data is drawn. Boxed fields so that a missing field is told apart from a zero. The fields after
 * {@code valFraction} are optional and off by default, so a spec written before they existed means what it meant.
 *
 * @param seed           split, subset, shuffling and augmentation seed: same seed, same batches, bit for bit
 * @param subsetSize     train samples used; 0 means the whole train split (the recipe's "overfit 1 sample" uses 1).
 *                       May be omitted when {@code subsetFraction} is given
 * @param batchSize      samples per train batch; capped at the subset size, so a 1-sample subset trains on a batch of 1
 * @param valFraction    share of each class held out for validation, in (0, 1)
 * @param subsetFraction optional, in (0, 1]: use {@code max(1, round(f * train))} train samples, the same nested
 *                       prefix a {@code subsetSize} of that value would give; exclusive with a {@code subsetSize > 0}
 * @param augment        optional train-only augmentations (never applied to val batches)
 * @param balance        optional class balancing of the train stream: none (default), weights or sampling
 * @param faults         optional fault drills (shuffled labels, a slow data path); see {@link DataFaults}
 * @param resolution     optional [height, width] in pixels, each in [1, 4096]: train and val batches of an image
 *                       dataset are streamed at this size (area-averaged down from the stored images, channels kept;
 *                       the recipe's "smaller input dimensionality"), and the model is built for it. The data-service
 *                       refuses it for samples that are not images, for segmentation masks and for a size larger than
 *                       the stored one along either axis (upscaling adds no information)
 *
 * <p>{@code balance} is a string on the wire and in the component, like {@link ModelConfig}'s named choices (see
 * {@link WireEnum}); {@link Balance} is its typed view.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DataConfig(Long seed, Integer subsetSize, Integer batchSize, Double valFraction,
                         Double subsetFraction, Augmentation augment, String balance, DataFaults faults,
                         List<Integer> resolution) {

    /** Class balancing of the train stream: none, inverse-frequency loss weights, or balanced sampling. */
    public enum Balance implements WireEnum { NONE, WEIGHTS, SAMPLING }

    public static final String BALANCE_NONE = "none";
    public static final String BALANCE_WEIGHTS = "weights";
    public static final String BALANCE_SAMPLING = "sampling";
    /** The allowed wire names, in declaration order. */
    public static final Set<String> BALANCES = WireEnum.names(Balance.class);

    /** The largest height or width {@code resolution} may name, in pixels. */
    public static final int MAX_RESOLUTION = 4096;

    /** The original four fields: no fractional subset, no augmentation, no balancing. */
    public DataConfig(Long seed, Integer subsetSize, Integer batchSize, Double valFraction) {
        this(seed, subsetSize, batchSize, valFraction, null, null, null, null);
    }

    /** Everything but the resolution: samples at their stored size. */
    public DataConfig(Long seed, Integer subsetSize, Integer batchSize, Double valFraction, Double subsetFraction,
                      Augmentation augment, String balance, DataFaults faults) {
        this(seed, subsetSize, batchSize, valFraction, subsetFraction, augment, balance, faults, null);
    }

    /** Everything but the fault drills. */
    public DataConfig(Long seed, Integer subsetSize, Integer batchSize, Double valFraction, Double subsetFraction,
                      Augmentation augment, String balance) {
        this(seed, subsetSize, batchSize, valFraction, subsetFraction, augment, balance, null);
    }

    public DataConfig withFaults(DataFaults drills) {
        return new DataConfig(seed, subsetSize, batchSize, valFraction, subsetFraction, augment, balance, drills, resolution);
    }

    /** The same data with another split, order and augmentation seed: a seed band's runs. */
    public DataConfig withSeed(long newSeed) {
        return new DataConfig(newSeed, subsetSize, batchSize, valFraction, subsetFraction, augment, balance, faults, resolution);
    }

    /** The same data with these train-only augmentations (null: none). */
    public DataConfig withAugment(Augmentation augmentation) {
        return new DataConfig(seed, subsetSize, batchSize, valFraction, subsetFraction, augmentation, balance, faults, resolution);
    }

    /** The same data with this class balancing (null: unset, which means none). */
    public DataConfig withBalance(Balance mode) {
        return new DataConfig(seed, subsetSize, batchSize, valFraction, subsetFraction, augment, WireEnum.nameOf(mode), faults, resolution);
    }

    /** The same data with another train batch size (an ablation trial's). */
    public DataConfig withBatchSize(int size) {
        return new DataConfig(seed, subsetSize, size, valFraction, subsetFraction, augment, balance, faults, resolution);
    }

    /** The same data at {@code hw} = [height, width] pixels (null: the stored size). */
    public DataConfig withResolution(List<Integer> hw) {
        return new DataConfig(seed, subsetSize, batchSize, valFraction, subsetFraction, augment, balance, faults,
                hw == null ? null : List.copyOf(hw));
    }

    /** The resolution as the val-batch endpoints take it ({@code "14x14"}: height x width), or null when unset. */
    public String resolutionParam() {
        return resolution == null ? null : resolution.get(0) + "x" + resolution.get(1);
    }

    public DataFaults faultsOrNone() {
        return faults == null ? new DataFaults(null, null) : faults;
    }

    void validate(String prefix, List<String> problems) {
        if (seed == null) {
            problems.add(prefix + "seed is required");
        }
        if (subsetSize == null) {
            if (subsetFraction == null) {
                problems.add(prefix + "subsetSize is required (0 = whole train split) unless subsetFraction is given");
            }
        } else if (subsetSize < 0) {
            problems.add(prefix + "subsetSize must be >= 0, was " + subsetSize);
        }
        if (subsetFraction != null) {
            if (!(subsetFraction > 0 && subsetFraction <= 1)) {
                problems.add(prefix + "subsetFraction must be in (0, 1], was " + subsetFraction);
            }
            if (subsetSize != null && subsetSize > 0) {
                problems.add(prefix + "subsetFraction cannot be combined with subsetSize " + subsetSize + " (use one)");
            }
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
        if (augment != null) {
            augment.validate(prefix + "augment.", problems);
        }
        if (faults != null) {
            faults.validate(prefix + "faults.", problems);
        }
        if (resolution != null && (resolution.size() != 2 || resolution.stream().anyMatch(v -> v == null || v < 1 || v > MAX_RESOLUTION))) {
            problems.add(prefix + "resolution must be [height, width] with each in [1, " + MAX_RESOLUTION + "], was " + resolution);
        }
        if (balance != null && !BALANCES.contains(balance)) {
            problems.add(prefix + "balance '" + balance + "' is unknown, expected one of " + BALANCES);
        }
    }

    /** The batch size the stream really uses. */
    public int effectiveBatchSize(int trainSamples) {
        return Math.max(1, Math.min(batchSize, trainSamples));
    }

    /** Train samples the run uses out of {@code trainSamples}; 0 means all of them. */
    public int effectiveSubsetSize(int trainSamples) {
        if (subsetFraction != null) {
            return subsetFraction >= 1 ? 0 : (int) Math.max(1, Math.round(subsetFraction * trainSamples));
        }
        return subsetSize == null ? 0 : subsetSize;
    }

    /** The balancing mode's wire name, {@link #BALANCE_NONE} when not set. */
    public String balanceMode() {
        return balance == null ? BALANCE_NONE : balance;
    }

    /** The balancing mode, {@link Balance#NONE} when not set. Throws for a name {@link #validate} would reject. */
    public Balance balanceOrDefault() {
        return balance == null ? Balance.NONE : WireEnum.parse(Balance.class, "balance", balance);
    }

    /** The augmentations, or null when none is switched on. */
    public Augmentation activeAugmentation() {
        return augment != null && augment.any() ? augment : null;
    }
}
