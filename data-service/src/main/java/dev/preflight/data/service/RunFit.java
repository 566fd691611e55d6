package dev.preflight.data.service;

import dev.preflight.data.load.LoadException;
import dev.preflight.data.load.PathRejectedException;
import dev.preflight.data.model.Dataset;
import dev.preflight.wire.RunSpec;

/**
 * Whether a run can be streamed, checked in one place: by the stream before it starts ({@code BatchStreamer.start})
 * and by {@code POST /api/run-checks}, which the gateway asks at submission. Both run this very code, so a run the
 * gateway accepted is not refused later for a reason the check could have seen (only for a change in between: a
 * dataset whose files went away).
 */
public final class RunFit {

    private RunFit() {
    }

    /**
     * The run's train batches, built the way its stream builds them (split, subset, batch size, augmentation,
     * balancing, feature scaling).
     *
     * @throws RunRefusedException naming the problem
     */
    public static TrainBatches batches(DatasetRegistry registry, RunSpec spec) {
        Dataset dataset = dataset(registry, spec.dataset());
        try {
            return TrainBatches.forRun(dataset, spec.data());
        } catch (IllegalArgumentException e) {
            throw new RunRefusedException("the run does not fit dataset '" + dataset.name() + "': " + e.getMessage(), e);
        }
    }

    /** @throws RunRefusedException for an unknown dataset (naming the known ones) or one whose files cannot be loaded */
    public static Dataset dataset(DatasetRegistry registry, String name) {
        try {
            return registry.get(name);
        } catch (UnknownDatasetException e) {
            throw new RunRefusedException(e.getMessage(), e);
        } catch (LoadException | PathRejectedException e) {
            throw new RunRefusedException("dataset '" + name + "' cannot be loaded: " + e.getMessage(), e);
        }
    }
}
