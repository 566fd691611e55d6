package dev.preflight.eval.messaging;

import dev.preflight.eval.config.EvalConfig;
import dev.preflight.eval.service.DataServiceClient;
import dev.preflight.eval.service.Evaluator;
import dev.preflight.eval.service.LatestSnapshots;
import dev.preflight.nn.Models;
import dev.preflight.wire.Channels;
import dev.preflight.wire.EvalReady;
import dev.preflight.wire.Json;
import dev.preflight.wire.SamplePredictions;
import dev.preflight.wire.Snapshot;
import dev.preflight.wire.Topics;
import dev.preflight.wire.ValStep;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The evaluation thread: takes the freshest snapshot of each run (and every step-0 and last-step snapshot, see
 * {@link LatestSnapshots}), evaluates it, publishes a {@link ValStep}, then an {@link EvalReady} for the snapshot (also
 * when its evaluation failed), by which the run's trainer paces its snapshots.
 */
@ApplicationScoped
public class EvalWorker {

    private static final Logger LOG = Logger.getLogger(EvalWorker.class);

    private final LatestSnapshots mailbox;
    private final Evaluator evaluator;
    private final Emitter<byte[]> out;
    private final Emitter<byte[]> ready;
    private final Emitter<byte[]> predictions;
    private final String bootstrap;
    private final Counter evaluated;
    private final Counter failures;
    private final Timer evalTime;
    private final Timer fetchTime;
    private final MeterRegistry registry;
    private final Map<String, Counter> valPoints = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private Thread thread;

    public EvalWorker(LatestSnapshots mailbox, @RestClient DataServiceClient data, EvalConfig config,
                      @Channel(Channels.VAL_METRICS_OUT) Emitter<byte[]> out,
                      @Channel(Channels.EVAL_READY_OUT) Emitter<byte[]> ready,
                      @Channel(Channels.SAMPLE_PREDICTIONS_OUT) Emitter<byte[]> predictions, MeterRegistry registry,
                      @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this.mailbox = mailbox;
        this.evaluator = new Evaluator(data, config);
        this.out = out;
        this.ready = ready;
        this.predictions = predictions;
        this.registry = registry;
        this.bootstrap = bootstrap;
        this.evaluated = Counter.builder("preflight.eval.snapshots.evaluated").register(registry);
        this.failures = Counter.builder("preflight.eval.failures")
                .description("Snapshots that could not be evaluated (data-service unreachable, bad weights)").register(registry);
        this.evalTime = Timer.builder("preflight.eval.seconds")
                .description("Wall time per evaluated snapshot, val-batch fetch included").register(registry);
        this.fetchTime = Timer.builder("preflight.eval.fetch.seconds")
                .description("Time spent fetching the val batch from the data-service").register(registry);
        registry.gauge("preflight.eval.snapshots.superseded", mailbox, LatestSnapshots::superseded);
    }

    void onStart(@Observes StartupEvent ev) {
        Topics.ensureAll(bootstrap);
        Models.warmUp();
        thread = new Thread(this::loop, "eval-worker");
        thread.start();
    }

    void onStop(@Observes ShutdownEvent ev) throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.join(5_000);
        }
        evaluator.close();
    }

    /**
     * {@code preflight_eval_val_points_total{run}}: ValSteps published for the run's training steps (step 0, the
     * initial weights, is not a training iteration and is not counted). Divided by the run's train steps it is the
     * run's validation coverage. Registered once per run, on its first val point.
     */
    private Counter valPoints(String runId) {
        return valPoints.computeIfAbsent(runId, id -> Counter.builder("preflight.eval.val.points").tag("run", id)
                .description("ValSteps published for training steps (step >= 1) of the run").register(registry));
    }

    /** The weights the run exports (its last ones, or with early stopping its best ones), when it asked for predictions. */
    private static boolean predictionsDue(Snapshot s) {
        return s.spec() != null && s.isExported() && !s.spec().predictionSplits().isEmpty();
    }

    /**
     * The run's final weights over every split its spec names ({@code RunSpec.predictions}), chunk by chunk on
     * {@code preflight.sample-predictions}; a split that cannot be done gets one record with the reason, so whoever
     * waits for it learns why at once instead of timing out.
     */
    private void samplePredictions(Snapshot s, boolean weightsLoaded) {
        for (String split : s.spec().predictionSplits()) {
            try {
                if (!weightsLoaded) {
                    throw new IllegalStateException("the final snapshot could not be evaluated (see the eval-service's log)");
                }
                evaluator.predictSplit(s, split, chunk -> send(predictions, s.runId(), chunk));
            } catch (RuntimeException e) {
                LOG.warnf("no %s predictions for %s: %s", split, s.runId(), e.getMessage());
                send(predictions, s.runId(), SamplePredictions.failed(s.runId(), s.step(), split,
                        "the eval-service could not predict the " + split + " split: " + e.getMessage()));
            }
        }
    }

    private static void send(Emitter<byte[]> emitter, String runId, Object message) {
        emitter.send(Message.of(Json.encode(message)).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(runId).build()));
    }

    private void loop() {
        while (running) {
            Snapshot s;
            try {
                s = mailbox.take(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (s == null) {
                continue;
            }
            long start = System.nanoTime();
            boolean validated = false;
            Double valLoss = null;
            try {
                ValStep v = evaluator.evaluate(s);
                evalTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                fetchTime.record(evaluator.lastFetchNanos(), TimeUnit.NANOSECONDS);
                out.send(Message.of(Json.encode(v)).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(s.runId()).build()));
                evaluated.increment();
                if (v.step() >= 1) {
                    valPoints(s.runId()).increment();
                }
                validated = true;
                // JSON has no NaN: a non-finite val loss travels as null, which the trainer's early stopping reads as NaN.
                valLoss = Double.isFinite(v.valLoss()) ? v.valLoss() : null;
            } catch (RuntimeException e) {
                // Validation is a monitor: one failed evaluation must not stop the next; the failure is counted.
                failures.increment();
                LOG.warnf("could not evaluate %s step %d: %s", s.runId(), s.step(), e.getMessage());
            }
            if (predictionsDue(s)) {
                samplePredictions(s, validated);
            }
            // Done either way: the run's trainer may publish its next snapshot (snapshots on demand).
            ready.send(Message.of(Json.encode(new EvalReady(s.runId(), s.step(), validated, System.currentTimeMillis(), valLoss)))
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(s.runId()).build()));
        }
    }
}
