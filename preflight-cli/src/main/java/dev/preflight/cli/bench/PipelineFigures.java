package dev.preflight.cli.bench;

import dev.preflight.ladder.Runs;
import dev.preflight.wire.StepTiming;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import java.util.List;

/**
 * What one pipeline run's history says about the pipeline's cost, from the trainer's per-step timing
 * ({@link TrainStep#timing()}) and the eval-service's val points. Sums over the steps after {@code skip} warm-up steps,
 * so every figure is a ratio of totals, not a mean of per-step ratios.
 *
 * @param samplesPerSecond train samples / wall time (the sum of step times, which run end to end)
 * @param stepSeconds      total wall time of the measured steps
 * @param computeSeconds   total time in the TensorFlow session
 * @param dataWaitSeconds  total time blocked on the next batch
 * @param decodeSeconds    bookkeeping parts, totals ({@link StepTiming})
 * @param valCoverage      val points of train steps / train steps (the whole run)
 * @param runSteps         every step of the run (the snapshot figures count the whole run)
 * @param snapshotBytes    one snapshot record's size (every snapshot of a run has the same)
 * @param publishedBytes   snapshot bytes the trainer published over the whole run (step 0 and the last included)
 * @param validatedBytes   snapshot bytes the eval-service validated: val points (step 0 included) x snapshot size
 */
public record PipelineFigures(int steps, double samplesPerSecond, double stepSeconds, double computeSeconds, double dataWaitSeconds,
                              double decodeSeconds, double commitSeconds, double metricsSeconds, double snapshotSeconds,
                              double checkpointSeconds, double valCoverage, int runSteps, long snapshotBytes, long publishedBytes,
                              long validatedBytes) {

    public static PipelineFigures of(Runs.History h, int skip) {
        List<TrainStep> all = h.train();
        List<TrainStep> train = all.subList(Math.min(skip, Math.max(0, all.size() - 1)), all.size());
        double step = 0, compute = 0, wait = 0, decode = 0, commit = 0, metrics = 0, snapshot = 0, checkpoint = 0;
        long samples = 0;
        for (TrainStep s : train) {
            step += s.stepSeconds();
            compute += s.computeSeconds();
            wait += s.dataWaitSeconds();
            samples += s.batchSize();
            StepTiming t = s.timing();
            if (t != null) {
                decode += t.decodeSeconds();
                commit += t.commitSeconds();
                metrics += t.metricsSeconds();
                snapshot += t.snapshotSeconds();
                checkpoint += t.checkpointSeconds();
            }
        }
        long published = 0;
        long size = Long.MAX_VALUE;
        for (TrainStep s : all) {
            if (s.timing() != null && s.timing().snapshotBytes() > 0) {
                published += s.timing().snapshotBytes();
                // A step may report two snapshots (the publisher finished both since the step before): the smallest
                // non-zero report is one snapshot.
                size = Math.min(size, s.timing().snapshotBytes());
            }
        }
        size = size == Long.MAX_VALUE ? 0 : size;
        // The last step's snapshot is published after its TrainStep, so no step reports it; it is always published.
        published += size;
        List<ValStep> val = h.val();
        long trainedPoints = val.stream().filter(v -> v.step() >= 1).count();
        return new PipelineFigures(train.size(), samples / step, step, compute, wait, decode, commit, metrics, snapshot, checkpoint,
                all.isEmpty() ? Double.NaN : (double) trainedPoints / all.size(), all.size(), size, published, val.size() * size);
    }

    /** Step time that is neither compute nor data wait: everything the pipeline adds around a train step. */
    public double bookkeepingSeconds() {
        return stepSeconds - computeSeconds - dataWaitSeconds;
    }

    /** Bookkeeping the parts do not explain (the loop itself, lease checks, garbage collection pauses). */
    public double unaccountedSeconds() {
        return bookkeepingSeconds() - decodeSeconds - commitSeconds - metricsSeconds - snapshotSeconds - checkpointSeconds;
    }
}
