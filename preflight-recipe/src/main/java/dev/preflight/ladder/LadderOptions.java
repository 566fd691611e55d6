package dev.preflight.ladder;

import dev.preflight.recipe.Stage;
import dev.preflight.recipe.Stages;
import dev.preflight.wire.Augmentation;
import dev.preflight.wire.DataFaults;
import dev.preflight.wire.EarlyStopping;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;

import java.time.Duration;
import java.util.List;

/**
 * One experiment: a dataset, a model, the stages to climb (each carrying its own documented thresholds) and the few
 * settings every stage shares. The experiment defaults live here and nowhere else: the CLI's option defaults, the
 * gateway's experiment requests and the benchmark all start from {@link #of}.
 *
 * @param experiment    id that tags every run of the experiment (meters, TensorBoard, status)
 * @param seed          split, data order and init seed; default {@value #DEFAULT_SEED}
 * @param valFraction   share of each class held out for validation; default 0.2
 * @param batchSize     batch size of the init-check, full-data, speed and ablation runs; default {@value #DEFAULT_BATCH_SIZE}
 * @param fullDataSteps steps of the full-data run (and of its logistic-regression baseline); default
 *                      {@value #DEFAULT_FULL_DATA_STEPS}
 * @param stages        the stages to climb, in ladder order; default {@link Stages#all()}
 * @param runTimeout    how long one run may take before the ladder gives up on it; default 30 min
 * @param faults        fault drills for the data path (null: none); see {@link DataFaults}
 * @param balance       class balancing of the train stream from init-check on (none, weights, sampling; null: none).
 *                      The overfit stages never balance: they must see the samples they are given
 * @param augment       train-only augmentation of the full-data, speed and ablation runs (null: none). Never in the
 *                      overfit stages, which the recipe runs without regularisation ("turn off data augmentation")
 * @param earlyStopping early stopping of the full-data run and of every ablation trial (null: off; ASHA and sanity
 *                      kills apply either way); default {@link #DEFAULT_EARLY_STOPPING}. Never in the overfit stages,
 *                      which must train every step to show they can reach zero loss
 */
public record LadderOptions(String experiment, String dataset, ModelConfig model, long seed, double valFraction, int batchSize,
                            int fullDataSteps, List<Stage> stages, Duration runTimeout, DataFaults faults,
                            String balance, Augmentation augment, EarlyStopping earlyStopping) {

    public static final long DEFAULT_SEED = 42;
    public static final double DEFAULT_VAL_FRACTION = 0.2;
    public static final int DEFAULT_BATCH_SIZE = 64;
    public static final int DEFAULT_FULL_DATA_STEPS = 600;
    public static final Duration DEFAULT_RUN_TIMEOUT = Duration.ofMinutes(30);
    /**
     * Stop when the mean of the last 5 val losses (the ladder's own smoothing, {@code StageContext.SMOOTHING}) has not
     * improved for 50 validated steps; any improvement counts (minDelta 0). With validation as often as the
     * eval-service keeps up, 50 validated steps are at least 50 train steps: a twelfth of the default full-data run,
     * long enough that batch-to-batch noise of the val loss does not end a run that still learns.
     */
    public static final EarlyStopping DEFAULT_EARLY_STOPPING = new EarlyStopping(LadderOptions.DEFAULT_PATIENCE, 0.0, 5);
    /** {@link #DEFAULT_EARLY_STOPPING}'s patience, in validated steps. */
    public static final int DEFAULT_PATIENCE = 50;

    public LadderOptions {
        stages = List.copyOf(stages);
    }

    /** The experiment with every default: all stages, seed 42, 20 % val, batch 64, 600 full-data steps. */
    public static LadderOptions of(String experiment, String dataset, ModelConfig model) {
        return new LadderOptions(experiment, dataset, model, DEFAULT_SEED, DEFAULT_VAL_FRACTION, DEFAULT_BATCH_SIZE,
                DEFAULT_FULL_DATA_STEPS, Stages.all(), DEFAULT_RUN_TIMEOUT, null, null, null, DEFAULT_EARLY_STOPPING);
    }

    /** The same experiment on another dataset name (e.g. the name a dataset path was registered under). */
    public LadderOptions withDataset(String name) {
        return new LadderOptions(experiment, name, model, seed, valFraction, batchSize, fullDataSteps, stages, runTimeout, faults, balance, augment, earlyStopping);
    }

    public LadderOptions withSeed(long s) {
        return new LadderOptions(experiment, dataset, model, s, valFraction, batchSize, fullDataSteps, stages, runTimeout, faults, balance, augment, earlyStopping);
    }

    public LadderOptions withValFraction(double f) {
        return new LadderOptions(experiment, dataset, model, seed, f, batchSize, fullDataSteps, stages, runTimeout, faults, balance, augment, earlyStopping);
    }

    public LadderOptions withBatchSize(int b) {
        return new LadderOptions(experiment, dataset, model, seed, valFraction, b, fullDataSteps, stages, runTimeout, faults, balance, augment, earlyStopping);
    }

    public LadderOptions withFullDataSteps(int steps) {
        return new LadderOptions(experiment, dataset, model, seed, valFraction, batchSize, steps, stages, runTimeout, faults, balance, augment, earlyStopping);
    }

    /** Only these stages (ladder order is theirs as given; use {@link Stages#named} to pick by name). */
    public LadderOptions withStages(List<Stage> chosen) {
        return new LadderOptions(experiment, dataset, model, seed, valFraction, batchSize, fullDataSteps, chosen, runTimeout, faults, balance, augment, earlyStopping);
    }

    /** The stage of the same name replaced, e.g. by one with other thresholds; no-op when that stage is not climbed. */
    public LadderOptions withStage(Stage replacement) {
        return withStages(Stages.replace(stages, replacement));
    }

    public LadderOptions withRunTimeout(Duration timeout) {
        return new LadderOptions(experiment, dataset, model, seed, valFraction, batchSize, fullDataSteps, stages, timeout, faults, balance, augment, earlyStopping);
    }

    public LadderOptions withFaults(DataFaults f) {
        return new LadderOptions(experiment, dataset, model, seed, valFraction, batchSize, fullDataSteps, stages, runTimeout, f, balance, augment, earlyStopping);
    }

    /** The same experiment with class balancing and train-only augmentation (either may be null: off). */
    public LadderOptions withTraining(String balanceMode, Augmentation augmentation) {
        return new LadderOptions(experiment, dataset, model, seed, valFraction, batchSize, fullDataSteps, stages, runTimeout, faults,
                balanceMode, augmentation, earlyStopping);
    }

    /** The same experiment with another early stopping of its full-data and ablation runs (null: off). */
    public LadderOptions withEarlyStopping(EarlyStopping e) {
        return new LadderOptions(experiment, dataset, model, seed, valFraction, batchSize, fullDataSteps, stages, runTimeout, faults,
                balance, augment, e);
    }

    /**
     * Early stopping after {@code patience} validated steps without improvement, with
     * {@link #DEFAULT_EARLY_STOPPING}'s smoothing window and minDelta: what the CLI's {@code --patience} and the
     * gateway's experiment field {@code patience} set.
     *
     * @param patience validated steps, in [0, {@value RunSpec#MAX_STEPS}]; 0 turns early stopping off
     * @return the early stopping to pass to {@link #withEarlyStopping}; null for 0 (off)
     * @throws IllegalArgumentException outside that range, the message naming it (the caller prefixes its field name)
     */
    public static EarlyStopping earlyStoppingAfter(int patience) {
        if (patience < 0 || patience > RunSpec.MAX_STEPS) {
            // The upper bound is the run spec's own (EarlyStopping.validate): refused here, not by the gateway at full-data.
            throw new IllegalArgumentException("must be in [0, " + RunSpec.MAX_STEPS + "] validated steps (0: no early stopping), was "
                    + patience);
        }
        return patience == 0 ? null
                : new EarlyStopping(patience, DEFAULT_EARLY_STOPPING.minDelta(), DEFAULT_EARLY_STOPPING.window());
    }

    /** The names of the stages climbed, in order. */
    public List<String> stageNames() {
        return stages.stream().map(Stage::name).toList();
    }
}
