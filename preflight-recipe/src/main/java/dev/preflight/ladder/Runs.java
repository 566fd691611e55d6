package dev.preflight.ladder;

import dev.preflight.wire.RunSpec;
import dev.preflight.wire.SamplePredictions;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import java.util.List;
import java.util.Optional;

/**
 * How the ladder reaches runs: submit one, see where it stands, read its exact history, kill it. The CLI goes through
 * the gateway's HTTP API ({@link GatewayClient}); the gateway's own experiments use an in-process implementation over
 * its run store, so they need neither a loopback HTTP call nor an API key.
 */
public interface Runs {

    /**
     * Submits a run; returns its id once it is durable.
     *
     * @throws RejectedException with every problem of the spec when it is refused
     */
    String submit(RunSpec spec);

    /** Where the run stands now. */
    Status status(String runId);

    /** Every train and val step so far, each list in step order. */
    History history(String runId);

    /**
     * The per-sample predictions of the run's final weights over {@code split} ("train" or "val"), joined from their
     * chunks, or the record saying why there are none; empty until they all arrived (they come after the run's last
     * validation, and only for splits its spec names in {@code predictions}).
     */
    Optional<SamplePredictions> predictions(String runId, String split);

    /** Asks the run's trainer to stop it; false when the run had already ended (nothing to kill). */
    boolean kill(String runId, String reason);

    /**
     * @param state     SUBMITTED, RUNNING, FINISHED, FAILED, KILLED or LOST
     * @param step      last train step seen (0 before the first)
     * @param trainLoss latest train loss; NaN before the first step
     * @param valLoss   latest val loss; NaN before the first validation
     * @param message   the trainer's final detail or failure reason; empty while running
     * @param stoppedEarlyAt FINISHED by early stopping: the step it stopped at; null otherwise
     * @param bestStep  FINISHED with early stopping: the validated step whose weights the run exported; null otherwise
     */
    record Status(String runId, String state, int step, double trainLoss, double valLoss, String message,
                  Integer stoppedEarlyAt, Integer bestStep) {
        public Status(String runId, String state, int step, double trainLoss, double valLoss, String message) {
            this(runId, state, step, trainLoss, valLoss, message, null, null);
        }

        public boolean active() {
            return "SUBMITTED".equals(state) || "RUNNING".equals(state);
        }
    }

    /** A run's exact per-step record. */
    record History(List<TrainStep> train, List<ValStep> val) {
        public double[] trainLosses() {
            return train.stream().mapToDouble(TrainStep::loss).toArray();
        }
    }

    /** A run spec refused before it ran, with the reasons. */
    final class RejectedException extends RuntimeException {
        public RejectedException(String message) {
            super(message);
        }
    }
}
