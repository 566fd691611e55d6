package dev.preflight.trainer.service;

import dev.preflight.nn.Model;
import dev.preflight.nn.Devices;
import dev.preflight.nn.Models;
import dev.preflight.nn.TfThreads;
import dev.preflight.trainer.messaging.BatchStream;
import dev.preflight.trainer.messaging.CheckpointStore;
import dev.preflight.trainer.messaging.Leases;
import dev.preflight.trainer.messaging.TrainerProducer;
import dev.preflight.trainer.messaging.UploadedWeights;
import dev.preflight.wire.Batch;
import dev.preflight.wire.EarlyStopper;
import dev.preflight.wire.EarlyStopping;
import dev.preflight.wire.EvalReady;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.NamedTensor;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Snapshot;
import dev.preflight.wire.StepTiming;
import dev.preflight.wire.TrainStep;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.ToIntFunction;

/**
 * Trains one run: reads its batch stream, takes one optimisation step per batch, and publishes
 * <ul>
 *   <li>a {@link TrainStep} for every step (the recipe: log the loss for every batch) with the gradient norm and
 *       each parameter tensor's update/weight ratio;</li>
 *   <li>a weight {@link Snapshot} of the initial weights (step 0, for the input-independent baseline at init), after
 *       the last step, and in between on demand: at most every {@code snapshotEvery} steps and only as fast as the
 *       eval-service validates them ({@link SnapshotPacer});</li>
 *   <li>a checkpoint every {@code checkpointEvery} steps, from which any replica resumes the run, and a final one
 *       at its last step before FINISHED, from which a continuation ({@code RunSpec.continueFrom}) goes on;</li>
 *   <li>WARNING events (model over the early-stage budget, fancy features early, a layer whose weights never
 *       move) and exactly one terminal event: FINISHED, FAILED (e.g. a NaN loss, naming the step) or KILLED.</li>
 * </ul>
 *
 * <p>With early stopping ({@code RunSpec.earlyStopping}) the job reads the eval-service's val loss of each snapshot
 * it published (from {@code EvalReady}), applies {@link EarlyStopper} and stops once it says so; at the end it waits
 * for the validation of its last weights, then exports the weights of the best validated step (SavedModel, Keras
 * files) and sends them once more as the run's exported snapshot, from which the eval-service computes per-sample
 * predictions. The final checkpoint keeps the last weights (a continuation trains on from where training stopped).
 * With {@code snapshotEvery} above 1, snapshots at its multiples are then never skipped (the job waits for room, at
 * most the ack timeout), so the validated steps, and with them the stopping and the best step, are the same for the
 * same seeds. With {@code snapshotEvery} 1 (validate as often as the eval-service keeps up) the steps validated depend
 * on its pace, as for every run, and so may the stopping step; the train curve up to it does not.
 */
public final class TrainingJob {

    private static final Logger LOG = Logger.getLogger(TrainingJob.class);

    /** Steps after which a parameter tensor that never moved is reported. */
    static final int FROZEN_AFTER_STEPS = 20;

    /**
     * The sub-folder of a run's SavedModel export that holds the same model for Keras ({@link Model#exportKeras}:
     * {@code model.json} + {@code model.weights.h5}). TensorFlow's SavedModel loaders ignore it.
     */
    public static final String KERAS_EXPORT_DIR = "keras";

    /**
     * How a run ended, for the caller's meters and logs. {@code type} is null when this replica was fenced: another
     * replica took the run over, and this one published nothing more (no terminal event either).
     */
    public record Outcome(RunEvent.Type type, int steps, String message, RunEvent.Finish finish) {
        public Outcome(RunEvent.Type type, int steps, String message) {
            this(type, steps, message, null);
        }

        public boolean fenced() {
            return type == null;
        }
    }

    /**
     * The eval-service's reports of the snapshots of watched runs ({@code EvalReady}, with the val loss), for early
     * stopping. Watch before the run's first snapshot; drain returns what arrived since the last drain, in step order.
     */
    public interface ValidationFeed {
        void watch(String runId);

        List<EvalReady> drain(String runId);

        void unwatch(String runId);
    }

    /**
     * What a job needs from its replica. {@code lease} (null in tests that drive a job without one) is checked before
     * every publication: a job whose lease was taken over stops without publishing.
     */
    public record Context(String bootstrap, TrainerProducer producer, KillSwitch kills, String worker, Duration batchTimeout,
                          TfThreads tfThreads, Optional<Path> exportDir, Leases.Lease lease, Pacing pacing, Devices devices) {

        public Context(String bootstrap, TrainerProducer producer, KillSwitch kills, String worker, Duration batchTimeout,
                       TfThreads tfThreads, Optional<Path> exportDir, Leases.Lease lease, Pacing pacing) {
            this(bootstrap, producer, kills, worker, batchTimeout, tfThreads, exportDir, lease, pacing, Devices.ONE);
        }

        public Context(String bootstrap, TrainerProducer producer, KillSwitch kills, String worker, Duration batchTimeout,
                       TfThreads tfThreads, Optional<Path> exportDir) {
            this(bootstrap, producer, kills, worker, batchTimeout, tfThreads, exportDir, null, null);
        }
    }

    /**
     * Snapshots on demand ({@link SnapshotPacer}); null: unpaced, every {@code snapshotEvery} steps.
     *
     * @param lastDone    per run, the highest snapshot step the eval-service reported done (-1: none yet)
     * @param validations the eval-service's reports with val losses, for early stopping (null: none; a run asking for
     *                    early stopping then trains every step, with a WARNING saying why)
     */
    public record Pacing(int inFlight, Duration ackTimeout, ToIntFunction<String> lastDone, ValidationFeed validations) {
        public Pacing(int inFlight, Duration ackTimeout, ToIntFunction<String> lastDone) {
            this(inFlight, ackTimeout, lastDone, null);
        }
    }

    private final RunSubmitted run;
    private final Context ctx;
    /** The job's snapshot publisher while its stream is open. */
    private SnapshotPublisher snapshots;
    /** The early-stopping rule and the weights it keeps; null when the run does not ask for early stopping. */
    private EarlyStopper<List<NamedTensor>> stopper;
    /** Where the stopper's val losses come from; null without early stopping. */
    private ValidationFeed feed;

    public TrainingJob(RunSubmitted run, Context ctx) {
        this.run = run;
        this.ctx = ctx;
    }

    public Outcome run() {
        String runId = run.runId();
        RunSpec spec = run.spec();
        ModelConfig mc = spec.model();
        Optional<CheckpointStore.Checkpoint> own = CheckpointStore.latest(ctx.bootstrap(), runId);
        Optional<CheckpointStore.Checkpoint> checkpoint = own;
        String continued = null;
        if (own.isEmpty() && spec.continueFrom() != null) {
            // A continuation starts from its source run's final checkpoint; its own stream starts at offset 0.
            String source = spec.continueFrom().runId();
            checkpoint = CheckpointStore.latest(ctx.bootstrap(), source);
            int at = spec.firstStep();
            if (checkpoint.isEmpty() || checkpoint.get().state().step() != at) {
                return finish(new Outcome(RunEvent.Type.FAILED, at, "cannot continue run " + source + ": "
                        + (checkpoint.isEmpty() ? "it has no checkpoint" : "its latest checkpoint is at step "
                        + checkpoint.get().state().step() + ", not at its last step " + at)), null);
            }
            continued = source;
        }
        // A warm start (initFrom): the source run's final weights, read before anything is built so a missing one
        // fails the run at once, naming the source.
        Optional<CheckpointStore.Checkpoint> initial = Optional.empty();
        if (own.isEmpty() && spec.continueFrom() == null && spec.initFrom() != null) {
            initial = CheckpointStore.latest(ctx.bootstrap(), spec.initFrom());
            if (initial.isEmpty()) {
                return finish(new Outcome(RunEvent.Type.FAILED, 0, "cannot start from run " + spec.initFrom()
                        + "'s weights (initFrom): it has no checkpoint (unknown run, or it never trained)"), null);
            }
        }
        int step = checkpoint.map(c -> c.state().step()).orElse(0);
        String previous = ctx.lease() == null ? null : ctx.lease().previousWorker();
        try {
            if (previous != null) {
                // Taken over from a replica that stopped renewing its lease: a kill sent meanwhile still applies.
                event(new RunEvent(runId, RunEvent.Type.RESUMED, step, "resumed by " + ctx.worker() + " from "
                        + (checkpoint.isPresent() ? "the checkpoint at step " + step : "the start (no checkpoint yet)")
                        + " after " + previous + " stopped renewing its lease", ctx.worker(), System.currentTimeMillis(), previous));
            } else {
                if (checkpoint.isPresent()) {
                    // Resuming is an explicit act (the run was resubmitted): an earlier kill does not apply to it.
                    ctx.kills().clear(runId);
                }
                event(RunEvent.Type.STARTED, step, continued != null
                        ? "taken by " + ctx.worker() + ": continues run " + continued + " from its final checkpoint at step " + step
                        : checkpoint.isPresent()
                        ? "resumed by " + ctx.worker() + " from the checkpoint at step " + step
                        : "taken by " + ctx.worker());
                if (spec.earlyStopping() != null && (ctx.pacing() == null || ctx.pacing().validations() == null)) {
                    event(RunEvent.Type.WARNING, step, "early stopping is off for this run: this trainer reads no val losses "
                            + "from the eval-service (snapshot pacing is off); it trains every step and exports the last weights");
                }
            }
        } catch (Leases.FencedException e) {
            return fenced(step, e, null);
        }
        if (spec.earlyStopping() != null && ctx.pacing() != null && ctx.pacing().validations() != null) {
            stopper = new EarlyStopper<>(spec.earlyStopping());
            feed = ctx.pacing().validations();
            feed.watch(runId);
        }
        Model model = null;
        Outcome outcome;
        try (BatchStream stream = new BatchStream(ctx.bootstrap(), runId, ctx.producer());
             SnapshotPublisher snapshots = new SnapshotPublisher(ctx.producer()::snapshot, runId)) {
            this.snapshots = snapshots;
            // The checkpoint's offset, or the start: a run without a checkpoint starts over from batch 0 and step 1
            // whatever a lost trainer had committed.
            stream.seek(own.map(CheckpointStore.Checkpoint::nextOffset).orElse(0L));
            long nextOffset = own.map(CheckpointStore.Checkpoint::nextOffset).orElse(0L);
            boolean stoppedEarly = false;
            float loss = Float.NaN;
            int[] sampleShape = null;
            List<String> names = List.of();
            boolean[] moved = null;
            boolean frozenReported = false;
            SnapshotPacer pacer = pacer();
            // A step runs from the end of the previous step's compute to the end of its own: the previous step's
            // bookkeeping (commit, metrics, snapshot, checkpoint) is timed into the next step's StepTiming.
            long stepStart = System.nanoTime();
            long commitNanos = 0;
            long metricsNanos = 0;
            long snapshotNanos = 0;
            long checkpointNanos = 0;
            while (step < spec.steps()) {
                long start = System.nanoTime();
                BatchStream.Consumed consumed = stream.next(ctx.batchTimeout(), () -> ctx.kills().reason(runId) != null);
                if (consumed == null) {
                    return finish(new Outcome(ctx.kills().outcome(runId), step, ctx.kills().reason(runId)), model);
                }
                long received = System.nanoTime();
                Batch batch = consumed.batch();
                if (model == null) {
                    sampleShape = batch.sampleShape();
                    // Towers take equal shares of every batch: an uneven split is refused (exact device counts) or
                    // trains on fewer towers (every visible GPU, unset), before anything is built.
                    Devices devices = ctx.devices().forBatch(batch.size());
                    model = Models.forBatch(UploadedWeights.resolve(mc, ctx.bootstrap()), batch, ctx.tfThreads(), devices, spec.adversarial());
                    names = model.parameterNames();
                    moved = new boolean[names.size()];
                    if (checkpoint.isPresent()) {
                        model.loadState(checkpoint.get().state().variables());
                        model.setStepsTaken(checkpoint.get().state().step());
                    } else {
                        if (initial.isPresent()) {
                            model.loadParameters(WarmStart.parameters(model.parameters(), initial.get().state().variables(), spec.initFrom()));
                        }
                        warnAboutSize(model);
                        snapshot(model, 0, sampleShape);
                        pacer.published(0);
                    }
                }
                float lr = (float) mc.learningRateAt(step + 1, spec.steps());
                long computeStart = System.nanoTime();
                Model.StepResult r = model.trainStep(batch, lr);
                long done = System.nanoTime();
                step++;
                loss = r.loss();
                if (!Float.isFinite(loss)) {
                    return finish(new Outcome(RunEvent.Type.FAILED, step, "loss is " + loss + " at step " + step
                            + ": lower the learning rate, check inputs for NaN/Inf and the loss for log(0)"), model);
                }
                StepTiming timing = new StepTiming(seconds(consumed.decodeNanos()), seconds(commitNanos), seconds(metricsNanos),
                        seconds(snapshotNanos), seconds(checkpointNanos), snapshots.takePublishedBytes());
                long t0 = System.nanoTime();
                guard();
                stream.commit(consumed.nextOffset());
                long t1 = System.nanoTime();
                Map<String, Double> ratios = new LinkedHashMap<>();
                Map<String, Double> gradNorms = new LinkedHashMap<>();
                for (int i = 0; i < names.size(); i++) {
                    ratios.put(names.get(i), (double) r.updateRatios()[i]);
                    gradNorms.put(names.get(i), (double) r.gradNorms()[i]);
                    moved[i] |= r.updateRatios()[i] > 0;
                }
                ctx.producer().trainStep(new TrainStep(runId, step, loss, seconds(done - stepStart),
                        seconds(received - start - consumed.decodeNanos()), seconds(done - computeStart), batch.size(), (double) lr,
                        (double) r.gradNorm(), ratios, Float.isFinite(r.entropy()) ? (double) r.entropy() : null, gradNorms, timing, r.critic()), ctx.worker());
                if (ctx.lease() != null) {
                    ctx.lease().step(step);
                }
                if (!frozenReported && step >= FROZEN_AFTER_STEPS) {
                    frozenReported = true;
                    reportFrozen(names, moved, step);
                }
                nextOffset = consumed.nextOffset();
                long t2 = System.nanoTime();
                // At the last step there is nothing left to stop: its validation is judged at the end like any other.
                if (stopper != null && step < spec.steps() && judge()) {
                    // The rule said stop: the weights after this step are the run's last; the loop ends here.
                    stoppedEarly = true;
                    awaitSettled(pacer);
                    snapshot(model, step, sampleShape, true, false);
                    pacer.published(step);
                    break;
                }
                if (stopper != null && spec.snapshotInterval() > 1 && step % spec.snapshotInterval() == 0) {
                    awaitRoom(pacer, step);
                }
                if (stopper != null && step == spec.steps()) {
                    awaitSettled(pacer);
                }
                if (pacer.due(step)) {
                    snapshot(model, step, sampleShape, stopper != null && step == spec.steps() ? Boolean.TRUE : null,
                            stopper != null && step == spec.steps() ? Boolean.FALSE : null);
                    pacer.published(step);
                }
                long t3 = System.nanoTime();
                if (step % spec.checkpointInterval() == 0 && step < spec.steps()) {
                    guard();
                    ctx.producer().checkpoint(new CheckpointStore.Checkpoint(consumed.nextOffset(), new Snapshot(runId, step, spec,
                            sampleShape, model.numClasses(), model.state(), model.task().name())));
                }
                long t4 = System.nanoTime();
                commitNanos = t1 - t0;
                metricsNanos = t2 - t1;
                snapshotNanos = t3 - t2;
                checkpointNanos = t4 - t3;
                stepStart = done;
            }
            if (model == null) {
                // Taken over after FINISHED but before the lease's release: the final checkpoint is at the last step.
                return finish(new Outcome(RunEvent.Type.FINISHED, step, "nothing left to train: the checkpoint is at step " + step,
                        new RunEvent.Finish(step, null, null, null)), null);
            }
            // The final checkpoint, with the last weights and the optimiser's state: a continuation goes on from it.
            guard();
            ctx.producer().checkpoint(new CheckpointStore.Checkpoint(nextOffset, new Snapshot(runId, step, spec,
                    sampleShape, model.numClasses(), model.state(), model.task().name())));
            String message = String.format(Locale.ROOT, "final train loss %s", loss);
            RunEvent.Finish finish = new RunEvent.Finish(step, null, null, null);
            if (stopper != null) {
                finish = exportBest(model, step, sampleShape, stoppedEarly);
                message = describe(finish, loss);
            }
            if (ctx.exportDir().isPresent()) {
                Path dir = ctx.exportDir().get().resolve(runId);
                model.exportSavedModel(dir);
                // The same model for Keras users: model.json (model_from_json) + model.weights.h5 (load_weights).
                model.exportKeras(dir.resolve(KERAS_EXPORT_DIR));
                message += "; SavedModel at " + dir.toAbsolutePath() + " (Keras definition and weights in " + KERAS_EXPORT_DIR + "/)";
            }
            outcome = new Outcome(RunEvent.Type.FINISHED, step, message, finish);
        } catch (Leases.FencedException e) {
            return fenced(step, e, model);
        } catch (TimeoutException e) {
            outcome = new Outcome(RunEvent.Type.FAILED, step, e.getMessage());
        } catch (IllegalArgumentException e) {
            // What the run asks for cannot be built or loaded (a model for other data, a warm start from another model):
            // the message names it, for the user; the exception's class would tell them nothing.
            LOG.infof("%s refused at step %d: %s", runId, step, e.getMessage());
            outcome = new Outcome(RunEvent.Type.FAILED, step, e.getMessage());
        } catch (Exception e) {
            LOG.errorf(e, "%s failed at step %d", runId, step);
            outcome = new Outcome(RunEvent.Type.FAILED, step, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return finish(outcome, model);
    }

    /** The recipe: "start simple -> use a small architecture (less than 1 mio params)", "no fancy features" at first. */
    private void warnAboutSize(Model model) {
        RunSpec spec = run.spec();
        if (!model.frozenParameterNames().isEmpty()) {
            event(RunEvent.Type.WARNING, 0, "weights never updated: " + String.join(", ", model.frozenParameterNames())
                    + " (trainable: false in the model definition)");
        }
        if (!spec.earlyStage()) {
            return;
        }
        if (model.parameterCount() > Models.EARLY_STAGE_PARAMETER_BUDGET) {
            event(RunEvent.Type.WARNING, 0, String.format(Locale.ROOT, "model has %,d parameters, over the %,d the recipe "
                    + "advises for early stages: start small", model.parameterCount(), Models.EARLY_STAGE_PARAMETER_BUDGET));
        }
        if (spec.model().hasFancyFeatures()) {
            event(RunEvent.Type.WARNING, 0, "dropout, batch norm, weight decay or LR decay is on in an early stage: the recipe "
                    + "turns them off at first (\"LR decay often falsely makes train curves look like they are converged\")");
        }
    }

    /** The recipe's "wired up incorrectly, layers never updated": a parameter tensor whose update was always 0. */
    private void reportFrozen(List<String> names, boolean[] moved, int step) {
        List<String> frozen = new java.util.ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (!moved[i]) {
                frozen.add(names.get(i));
            }
        }
        if (!frozen.isEmpty()) {
            event(RunEvent.Type.WARNING, step, "weights never updated in " + step + " steps: " + String.join(", ", frozen)
                    + (frozen.size() == names.size() ? " (every layer: learning rate 0?)" : " (not wired into the loss?)"));
        }
    }

    /** Reads the weights here (the model is not thread-safe); the publisher encodes and sends them. */
    private void snapshot(Model model, int step, int[] sampleShape) {
        snapshot(model, step, sampleShape, null, null);
    }

    /** A snapshot marked as the run's last and/or exported weights (null: the default, see {@link Snapshot#isLast()}). */
    private void snapshot(Model model, int step, int[] sampleShape, Boolean last, Boolean exported) {
        guard();
        List<NamedTensor> weights = model.parameters();
        if (stopper != null) {
            stopper.published(step, weights);
        }
        snapshots.publish(new Snapshot(run.runId(), step, run.spec(), sampleShape, model.numClasses(), weights,
                model.task().name(), last, exported));
    }

    /** Feeds the eval-service's reports that arrived into the rule; whether it says stop. */
    private boolean judge() {
        for (EvalReady r : feed.drain(run.runId())) {
            if (r.validated()) {
                stopper.validated(r.step(), r.valLoss() == null ? Double.NaN : r.valLoss());
            } else {
                stopper.unvalidated(r.step());
            }
        }
        return stopper.stopped();
    }

    /**
     * With early stopping and {@code snapshotEvery} > 1, a snapshot due by {@code snapshotEvery} is not skipped when the
     * eval-service is busy: the job waits until one in flight settles (the pacer's ack timeout bounds it), so the same
     * steps are validated every time. (With 1 it would tie every step to the eval-service's pace.)
     */
    private void awaitRoom(SnapshotPacer pacer, int step) {
        while (!pacer.due(step) && ctx.kills().reason(run.runId()) == null) {
            pause();
        }
    }

    /**
     * Before the last snapshot of an early-stopping run: every snapshot in flight validated (or timed out) and judged.
     * The eval-service validates a last snapshot ahead of those waiting in its mailbox; without this wait it could
     * settle them unvalidated for the rule, and the rule would see a different sequence than the history shows.
     */
    private void awaitSettled(SnapshotPacer pacer) {
        while (pacer.unsettled() > 0 && ctx.kills().reason(run.runId()) == null) {
            judge();
            pause();
        }
        judge();
    }

    /**
     * The end of an early-stopping run: waits for the validation of its last weights (at most the ack timeout), then
     * loads the best validated step's weights into {@code model} (the SavedModel and Keras export read them next) and
     * sends them as the run's exported snapshot under their own step (the eval-service's per-sample predictions).
     */
    private RunEvent.Finish exportBest(Model model, int step, int[] sampleShape, boolean stoppedEarly) {
        long deadline = System.nanoTime() + ctx.pacing().ackTimeout().toNanos();
        while (!stopper.pending().isEmpty() && System.nanoTime() < deadline && ctx.kills().reason(run.runId()) == null) {
            judge();
            if (!stopper.pending().isEmpty()) {
                pause();
            }
        }
        int best = stopper.bestStep();
        List<NamedTensor> weights = stopper.bestWeights();
        if (best < 0 || weights == null) {
            // Nothing validated (eval-service down): the last weights are all there is.
            best = step;
        } else {
            model.loadParameters(weights);
        }
        guard();
        snapshots.publish(new Snapshot(run.runId(), best, run.spec(), sampleShape, model.numClasses(), model.parameters(),
                model.task().name(), best == step, true));
        double bestLoss = stopper.bestSmoothedLoss();
        return new RunEvent.Finish(step, stoppedEarly ? step : null, best, Double.isFinite(bestLoss) ? bestLoss : null);
    }

    private String describe(RunEvent.Finish f, float loss) {
        EarlyStopping e = run.spec().earlyStopping();
        String best = f.bestValLoss() == null ? "no val loss was reported: the last weights are exported"
                : String.format(Locale.ROOT, "best step %d (smoothed val loss %.5g), whose weights are exported", f.bestStep(), f.bestValLoss());
        String how = f.stoppedEarlyAt() == null ? "trained every step" : String.format(Locale.ROOT,
                "stopped early at step %d: the smoothed val loss (mean of %d) did not improve by more than %s for %d validated steps",
                f.stoppedEarlyAt(), e.windowOrDefault(), e.minDeltaOrDefault(), e.patienceOrDefault());
        return String.format(Locale.ROOT, "%s; %s; final train loss %s", how, best, loss);
    }

    private static void pause() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the eval-service", e);
        }
    }

    private SnapshotPacer pacer() {
        RunSpec spec = run.spec();
        Pacing p = ctx.pacing();
        if (p == null) {
            return new SnapshotPacer(spec.snapshotInterval(), spec.steps(), 0, 1, () -> -1, System::nanoTime);
        }
        return new SnapshotPacer(spec.snapshotInterval(), spec.steps(), p.inFlight(), p.ackTimeout().toNanos(),
                () -> p.lastDone().applyAsInt(run.runId()), System::nanoTime);
    }

    private Outcome finish(Outcome outcome, Model model) {
        if (model != null) {
            model.close();
        }
        if (feed != null) {
            feed.unwatch(run.runId());
        }
        if (snapshots != null) {
            // The last snapshot before the terminal event (which flushes the producer behind it).
            try {
                snapshots.drain();
            } catch (RuntimeException e) {
                LOG.warnf(e, "%s: the last snapshot could not be published", run.runId());
            }
        }
        try {
            event(new RunEvent(run.runId(), outcome.type(), outcome.steps(), outcome.message(), ctx.worker(),
                    System.currentTimeMillis(), null, outcome.finish()));
        } catch (Leases.FencedException e) {
            return fenced(outcome.steps(), e, null);
        }
        LOG.infof("%s %s after %d steps: %s", run.runId(), outcome.type(), outcome.steps(), outcome.message());
        return outcome;
    }

    /** Another replica took the run over: stop, publish nothing (not even a terminal event). */
    private Outcome fenced(int step, Leases.FencedException e, Model model) {
        if (model != null) {
            model.close();
        }
        LOG.warnf("%s: stopped at step %d without publishing: %s", run.runId(), step, e.getMessage());
        return new Outcome(null, step, "fenced: " + e.getMessage());
    }

    /** Throws {@link Leases.FencedException} if the run is no longer ours; waits while the lease is unconfirmed. */
    private void guard() {
        if (ctx.lease() != null) {
            ctx.lease().check();
        }
    }

    private void event(RunEvent.Type type, int step, String message) {
        event(new RunEvent(run.runId(), type, step, message, ctx.worker(), System.currentTimeMillis()));
    }

    private void event(RunEvent e) {
        guard();
        ctx.producer().runEvent(e);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
