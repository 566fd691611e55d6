package dev.preflight.cli.bench;

import dev.preflight.nn.Model;
import dev.preflight.nn.Models;
import dev.preflight.nn.TfThreads;
import dev.preflight.wire.Batch;
import dev.preflight.wire.ModelConfig;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The pipeline's work done in one process, as the baseline the pipeline is judged against: per iteration one train
 * step on the next batch and one forward pass on a random val batch (what the trainer and the eval-service do per
 * validated step), in one TensorFlow session given the threads the trainer and the eval-service have together.
 */
public final class SameWork {

    /** The process name of the same-work loop's CPU time in its {@link CpuShares.Window}. */
    public static final String PROCESS = "same-work loop";

    private SameWork() {
    }

    /**
     * @param train      train batches, used in turn (all of one size)
     * @param val        val batches, one drawn at random per iteration (the eval-service's val batch size)
     * @param threads    the trainer's and the eval-service's threads together
     * @param iterations timed iterations (after 10 untimed ones: graph optimisation, JIT)
     * @return the timed iterations: train samples, wall time and this process's CPU time (every thread; see
     *         {@link CpuShares}), under the name {@link #PROCESS}
     */
    public static CpuShares.Window run(ModelConfig model, List<Batch> train, List<Batch> val, TfThreads threads, int iterations) {
        SplittableRandom rng = new SplittableRandom(11);
        try (Model m = Models.forBatch(model, train.get(0), threads)) {
            for (int i = 0; i < 10; i++) {
                m.trainStep(train.get(i % train.size()), 1e-3f);
                m.evaluate(val.get(rng.nextInt(val.size())));
            }
            long t = System.nanoTime();
            double cpu0 = CpuShares.ownCpuSeconds().orElse(Double.NaN);
            for (int i = 0; i < iterations; i++) {
                m.trainStep(train.get(i % train.size()), 1e-3f);
                m.evaluate(val.get(rng.nextInt(val.size())));
            }
            double wall = (System.nanoTime() - t) / 1e9;
            double cpu = CpuShares.ownCpuSeconds().orElse(Double.NaN) - cpu0;
            return new CpuShares.Window((long) iterations * train.get(0).size(), wall, java.util.Map.of(PROCESS, cpu));
        }
    }
}
