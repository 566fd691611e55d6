package dev.preflight.trainer.service;

import dev.preflight.nn.Classifier;
import dev.preflight.nn.Models;
import dev.preflight.trainer.messaging.BatchStream;
import dev.preflight.trainer.messaging.TrainerProducer;
import dev.preflight.wire.Batch;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Snapshot;
import dev.preflight.wire.TrainStep;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Trains one run: reads its batch stream, takes one optimisation step per batch, publishes a {@link TrainStep} for
 * every step (the recipe: log the loss for every batch), a weight {@link Snapshot} every {@code snapshotEvery} steps
 * and always after the last one, and exactly one terminal {@link RunEvent}.
 *
 * <p>A non-finite loss ends the run with FAILED naming the step: nets fail silently, this makes them fail loudly.
 */
public final class TrainingJob {

    private static final Logger LOG = Logger.getLogger(TrainingJob.class);

    /** How a run ended, for the caller's meters and logs. */
    public record Outcome(RunEvent.Type type, int steps, String message) {
    }

    private final RunSubmitted run;
    private final String bootstrap;
    private final TrainerProducer producer;
    private final String worker;
    private final Duration batchTimeout;
    private final int tfThreads;

    public TrainingJob(RunSubmitted run, String bootstrap, TrainerProducer producer, String worker, Duration batchTimeout,
                       int tfThreads) {
        this.tfThreads = tfThreads;
        this.run = run;
        this.bootstrap = bootstrap;
        this.producer = producer;
        this.worker = worker;
        this.batchTimeout = batchTimeout;
    }

    public Outcome run() {
        String runId = run.runId();
        RunSpec spec = run.spec();
        producer.runEvent(new RunEvent(runId, RunEvent.Type.STARTED, 0, "taken by " + worker, worker, System.currentTimeMillis()));
        int step = 0;
        Outcome outcome;
        Classifier model = null;
        try (BatchStream stream = new BatchStream(bootstrap, runId, producer)) {
            float lr = spec.model().learningRate().floatValue();
            float loss = Float.NaN;
            int[] sampleShape = null;
            while (step < spec.steps()) {
                long start = System.nanoTime();
                BatchStream.Consumed consumed = stream.next(batchTimeout);
                long received = System.nanoTime();
                Batch batch = consumed.batch();
                if (model == null) {
                    sampleShape = batch.sampleShape();
                    model = Models.create(spec.model(), sampleShape, batch.numClasses(), tfThreads);
                    LOG.infof("%s: %s with %d parameters on %s batches of %d", runId, spec.model().type(),
                            model.parameterCount(), java.util.Arrays.toString(sampleShape), batch.size());
                }
                loss = model.trainStep(batch.features(), batch.labels(), lr);
                long done = System.nanoTime();
                step++;
                if (!Float.isFinite(loss)) {
                    outcome = new Outcome(RunEvent.Type.FAILED, step, "loss is " + loss + " at step " + step
                            + ": lower the learning rate, check inputs for NaN/Inf and the loss for log(0)");
                    return finish(outcome, step);
                }
                stream.commit(consumed.nextOffset());
                producer.trainStep(new TrainStep(runId, step, loss, seconds(done - start), seconds(received - start),
                        seconds(done - received), batch.size()));
                if (step % spec.snapshotInterval() == 0 || step == spec.steps()) {
                    producer.snapshot(new Snapshot(runId, step, spec, sampleShape, model.numClasses(), model.parameters()));
                }
            }
            outcome = new Outcome(RunEvent.Type.FINISHED, step, "final train loss " + loss);
        } catch (TimeoutException e) {
            outcome = new Outcome(RunEvent.Type.FAILED, step, e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s failed at step %d", runId, step);
            outcome = new Outcome(RunEvent.Type.FAILED, step, e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            if (model != null) {
                model.close();
            }
        }
        return finish(outcome, step);
    }

    private Outcome finish(Outcome outcome, int step) {
        producer.runEvent(new RunEvent(run.runId(), outcome.type(), step, outcome.message(), worker, System.currentTimeMillis()));
        LOG.infof("%s %s after %d steps: %s", run.runId(), outcome.type(), step, outcome.message());
        return outcome;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
