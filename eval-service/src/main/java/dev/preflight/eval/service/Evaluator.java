package dev.preflight.eval.service;

import dev.preflight.eval.config.EvalConfig;
import dev.preflight.nn.Classifier;
import dev.preflight.nn.Models;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.Snapshot;
import dev.preflight.wire.ValStep;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Evaluates snapshots: rebuilds the run's model (cached per run), loads the snapshot's weights, pulls a random val
 * batch from the data-service and computes val loss and accuracy. Single-threaded by design (models are not
 * thread-safe); the caller owns the thread.
 */
public class Evaluator implements AutoCloseable {

    private final DataServiceClient data;
    private final EvalConfig config;
    private final Map<String, Classifier> models;
    private long fetchNanos;

    public Evaluator(DataServiceClient data, EvalConfig config) {
        this.data = data;
        this.config = config;
        int capacity = config.modelCacheSize();
        this.models = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Classifier> eldest) {
                if (size() > capacity) {
                    eldest.getValue().close();
                    return true;
                }
                return false;
            }
        };
    }

    public ValStep evaluate(Snapshot s) {
        Classifier model = models.computeIfAbsent(s.runId(), id -> Models.create(s.spec().model(), s.inputShape(), s.numClasses(), config.tfThreads()));
        model.loadParameters(s.variables());
        DataConfig d = s.spec().data();
        long fetchStart = System.nanoTime();
        Batch val = BatchCodec.decode(data.valBatch(s.spec().dataset(), d.seed(), d.valFraction(), config.valBatchSize(),
                sampleSeed(d.seed(), s.step())));
        fetchNanos = System.nanoTime() - fetchStart;
        Classifier.Evaluation e = model.evaluate(val.features(), val.labels());
        return new ValStep(s.runId(), s.step(), e.loss(), e.accuracy(val.labels()), val.size());
    }

    /** Time the last {@link #evaluate} spent fetching its val batch: the part of validation that is I/O. */
    public long lastFetchNanos() {
        return fetchNanos;
    }

    /** A different random val batch every iteration (the recipe), yet the same one for the same run and step. */
    public static long sampleSeed(long runSeed, int step) {
        long z = runSeed * 0x9E3779B97F4A7C15L + step;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }

    @Override
    public void close() {
        models.values().forEach(Classifier::close);
        models.clear();
    }
}
