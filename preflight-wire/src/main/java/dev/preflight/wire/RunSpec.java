package dev.preflight.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * What a user submits: dataset + data config + model config + number of steps.
 *
 * @param dataset       registered dataset name, e.g. "shapes" (built in)
 * @param snapshotEvery publish weights for validation every this many steps; null means every step
 * @param checkpointEvery save a resumable checkpoint every this many steps; null means every 100
 * @param experiment    optional label grouping runs (e.g. one ladder or one ablation); a metrics tag
 * @param stage         optional recipe stage this run serves (e.g. "overfit-one-sample"); a metrics tag
 * @param predictions   optional splits ("train", "val") over which the eval-service records every sample's predicted
 *                      probabilities with the run's final weights ({@link SamplePredictions}); null or empty: none.
 *                      Costs one forward pass over each split named, after the run's last validation
 * @param earlyStopping optional: stop when the smoothed val loss has not improved for a while and export the best
 *                      weights ({@link EarlyStopping}); null: off, the run trains all its steps and exports the last
 * @param continueFrom  optional: this run continues a finished one from its final checkpoint ({@link Continuation});
 *                      its steps are numbered from {@code continueFrom.step + 1} to {@code steps}
 * @param initFrom      optional: a finished run whose final weights this run starts from, matched by name and shape
 *                      (a warm start: steps, optimiser state and history start afresh). Every parameter of this run's
 *                      model that the source has is loaded; variables only this run has (an adversarial critic) start
 *                      from their initialisers; a parameter of the model the source lacks, or has in another shape,
 *                      fails the run naming it
 * @param adversarial   optional: train the generator against a Wasserstein critic on top of its L1 loss
 *                      ({@link Adversarial}); needs a {@code generator} model with the {@code l1} loss. Null: off
 */
public record RunSpec(String dataset, DataConfig data, ModelConfig model, Integer steps, Integer snapshotEvery,
                      Integer checkpointEvery, String experiment, String stage, List<String> predictions,
                      EarlyStopping earlyStopping, Continuation continueFrom, String initFrom, Adversarial adversarial) {

    public RunSpec {
        // Not List.copyOf: a null element must reach problems(), which names it, rather than fail the decoding.
        predictions = predictions == null || predictions.isEmpty() ? null : java.util.Collections.unmodifiableList(new ArrayList<>(predictions));
    }

    /** A run that starts from its own initial weights and trains without a critic. */
    public RunSpec(String dataset, DataConfig data, ModelConfig model, Integer steps, Integer snapshotEvery,
                   Integer checkpointEvery, String experiment, String stage, List<String> predictions,
                   EarlyStopping earlyStopping, Continuation continueFrom) {
        this(dataset, data, model, steps, snapshotEvery, checkpointEvery, experiment, stage, predictions, earlyStopping,
                continueFrom, null, null);
    }

    /** A run without early stopping that continues nothing. */
    public RunSpec(String dataset, DataConfig data, ModelConfig model, Integer steps, Integer snapshotEvery,
                   Integer checkpointEvery, String experiment, String stage, List<String> predictions) {
        this(dataset, data, model, steps, snapshotEvery, checkpointEvery, experiment, stage, predictions, null, null);
    }

    /** A run that asks for no per-sample predictions. */
    public RunSpec(String dataset, DataConfig data, ModelConfig model, Integer steps, Integer snapshotEvery,
                   Integer checkpointEvery, String experiment, String stage) {
        this(dataset, data, model, steps, snapshotEvery, checkpointEvery, experiment, stage, null);
    }

    /** The same run, with per-sample predictions of its final weights over {@code splits} (see {@link SamplePredictions}). */
    public RunSpec withPredictions(List<String> splits) {
        return new RunSpec(dataset, data, model, steps, snapshotEvery, checkpointEvery, experiment, stage, splits,
                earlyStopping, continueFrom, initFrom, adversarial);
    }

    /** The same run with early stopping {@code e} (null: off). */
    public RunSpec withEarlyStopping(EarlyStopping e) {
        return new RunSpec(dataset, data, model, steps, snapshotEvery, checkpointEvery, experiment, stage, predictions,
                e, continueFrom, initFrom, adversarial);
    }

    /**
     * The same run started from run {@code sourceRunId}'s final weights ({@code initFrom}) and trained against a
     * Wasserstein critic {@code a} (null: without one).
     */
    public RunSpec withInitFromAndAdversarial(String sourceRunId, Adversarial a) {
        return new RunSpec(dataset, data, model, steps, snapshotEvery, checkpointEvery, experiment, stage, predictions,
                earlyStopping, continueFrom, sourceRunId, a);
    }

    /**
     * This (finished) run continued for {@code more} steps from its final checkpoint at {@code lastStep}: the same
     * spec, {@code steps} = {@code lastStep + more}, {@code continueFrom} = this run.
     */
    public RunSpec continued(String runId, int lastStep, int more) {
        return new RunSpec(dataset, data, model, lastStep + more, snapshotEvery, checkpointEvery, experiment, stage,
                predictions, earlyStopping, new Continuation(runId, lastStep), initFrom, adversarial);
    }

    /** The step this run starts after: 0, or for a continuation the source run's last step. */
    public int firstStep() {
        return continueFrom == null || continueFrom.step() == null ? 0 : continueFrom.step();
    }

    /** Batches on this run's stream: one per step it trains, {@code steps - firstStep()}. */
    public int batchCount() {
        return steps - firstStep();
    }

    /** The splits to record per-sample predictions over; empty when none. */
    public List<String> predictionSplits() {
        return predictions == null ? List.of() : predictions;
    }

    public static final int MAX_STEPS = 1_000_000;
    /** Stages before ablations: the recipe wants a small (< 1 M parameter) model and no fancy features there. */
    public static final java.util.Set<String> EARLY_STAGES = java.util.Set.of("init-check", "overfit-one-sample",
            "overfit-few-samples", "full-data", "label-noise", "speed");

    public RunSpec(String dataset, DataConfig data, ModelConfig model, Integer steps, Integer snapshotEvery) {
        this(dataset, data, model, steps, snapshotEvery, null, null, null);
    }

    /** Runs without a stage count as early: the recipe's "start simple" applies until someone says otherwise. */
    public boolean earlyStage() {
        return stage == null || EARLY_STAGES.contains(stage);
    }

    public int checkpointInterval() {
        return checkpointEvery == null ? 100 : checkpointEvery;
    }

    /** Every problem with this spec, each naming its field; empty when valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (dataset == null || dataset.isBlank()) {
            problems.add("dataset is required");
        }
        if (data == null) {
            problems.add("data is required");
        } else {
            data.validate("data.", problems);
        }
        if (model == null) {
            problems.add("model is required");
        } else {
            model.validate("model.", problems);
        }
        if (steps == null) {
            problems.add("steps is required");
        } else if (steps < 1 || steps > MAX_STEPS) {
            problems.add("steps must be in [1, " + MAX_STEPS + "], was " + steps);
        }
        if (snapshotEvery != null && snapshotEvery < 1) {
            problems.add("snapshotEvery must be >= 1, was " + snapshotEvery);
        }
        if (checkpointEvery != null && checkpointEvery < 1) {
            problems.add("checkpointEvery must be >= 1, was " + checkpointEvery);
        }
        for (String[] label : new String[][]{{"experiment", experiment}, {"stage", stage}}) {
            if (label[1] != null && !label[1].matches("[A-Za-z0-9_.-]{1,64}")) {
                problems.add(label[0] + " must be 1-64 letters, digits, '.', '_' or '-', was '" + label[1] + "'");
            }
        }
        if (predictions != null) {
            for (String split : predictions) {
                if (split == null || !SamplePredictions.SPLITS.contains(split)) {
                    problems.add("predictions must name splits among " + SamplePredictions.SPLITS + ", was '" + split + "'");
                }
            }
            if (predictions.stream().distinct().count() != predictions.size()) {
                problems.add("predictions names a split twice: " + predictions);
            }
        }
        if (earlyStopping != null) {
            earlyStopping.validate("earlyStopping.", problems);
        }
        if (continueFrom != null) {
            continueFrom.validate("continueFrom.", steps, problems);
        }
        if (initFrom != null && !RunIds.isValid(initFrom)) {
            problems.add("initFrom must be a run id ([a-z0-9][a-z0-9-]{0,63}), was '" + initFrom + "'");
        }
        if (adversarial != null) {
            adversarial.validate("adversarial.", problems);
            if (model != null && !ModelConfig.Type.GENERATOR.wireName().equals(model.type())) {
                problems.add("adversarial needs a generator model (model.type generator: an image out for the critic to score), was '"
                        + model.type() + "'");
            } else if (model != null && model.loss() != null && !ModelConfig.Loss.L1.wireName().equals(model.loss())) {
                problems.add("adversarial keeps the generator's L1 loss (Niessner 12/n: L1 first, then add the critic): model.loss must "
                        + "be l1 (the generator's default), was '" + model.loss() + "'");
            }
        }
        return problems;
    }

    public void requireValid() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new WireFormatException("invalid run spec: " + String.join("; ", problems));
        }
    }

    public int snapshotInterval() {
        return snapshotEvery == null ? 1 : snapshotEvery;
    }
}
