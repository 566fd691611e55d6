package dev.preflight.gateway.service;

import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.gateway.messaging.ExperimentPublisher;
import dev.preflight.gateway.model.ExperimentRecord;
import dev.preflight.gateway.model.ExperimentRequest;
import dev.preflight.gateway.model.ExperimentState;
import dev.preflight.ladder.DataClient;
import dev.preflight.ladder.Ladder;
import dev.preflight.ladder.LadderOptions;
import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.Stage;
import dev.preflight.recipe.StageResult;
import dev.preflight.recipe.Stages;
import dev.preflight.report.ReportHtml;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.WireFormatException;
import dev.preflight.wire.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.interceptor.Interceptor;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Experiments over REST: the same ladder the CLI climbs, run by the gateway on a worker thread. The ladder reaches runs
 * in-process ({@link GatewayRuns}: the API's own submission, store and kill paths), so there is one implementation of
 * the recipe and no loopback HTTP call with the gateway's own API key.
 *
 * <p>Every change of an experiment (started, a stage judged, done or failed) is published whole on
 * {@code preflight.experiments} ({@link ExperimentRecord}); a starting gateway rebuilds its experiments from that
 * compacted topic ({@link #restore}). An experiment an earlier gateway process was climbing when it died is marked
 * {@link ExperimentState#INTERRUPTED}, naming the stage it was in, and the mark is published too; its judged stages
 * are kept, the ladder is not continued (its half-done stage's runs would have to be followed from scratch, and the
 * user may not want the same ladder again), the runs it had submitted go on and stay in the history. This assumes one
 * gateway climbs experiments (deploy/ runs one replica): a replica started while another climbs would take the
 * other's RUNNING experiments, as they stood at its start, for orphans.
 */
@ApplicationScoped
public class ExperimentService {

    private static final Logger LOG = Logger.getLogger(ExperimentService.class);
    /** How long a graceful shutdown waits for the INTERRUPTED records of the ladders it stops. */
    private static final Duration SHUTDOWN_PUBLISH_WAIT = Duration.ofSeconds(5);

    private final Map<String, ExperimentRecord> experiments = new ConcurrentHashMap<>();
    // The experiments this process climbs: their local state is authoritative over what the topic hands back.
    private final Set<String> climbing = ConcurrentHashMap.newKeySet();
    // Ladders mostly wait on runs; two at a time keeps the trainers, not the gateway, the limit.
    private final ExecutorService workers = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "experiment");
        t.setDaemon(true);
        return t;
    });
    /** This gateway process, as written in its records: a restart is a new process with a new id. */
    private final String gatewayId = "gateway-" + UUID.randomUUID().toString().substring(0, 8);
    private final GatewayConfig config;
    private final GatewayRuns runs;
    private final ExperimentPublisher publisher;
    private final String bootstrapServers;
    private volatile boolean stopping;
    /** End offset of the experiments topic at start; {@link Long#MAX_VALUE} until known. */
    private volatile long replayEnd = Long.MAX_VALUE;
    private final AtomicBoolean replayed = new AtomicBoolean();

    public ExperimentService(GatewayConfig config, GatewayRuns runs, ExperimentPublisher publisher,
                             @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.runs = runs;
        this.publisher = publisher;
    }

    /** Every problem with the request, each naming its field; empty when it can run. */
    public List<String> problems(ExperimentRequest r) {
        List<String> problems = new ArrayList<>();
        if (config.dataServiceUrl().isEmpty()) {
            problems.add("this gateway has no preflight.gateway.data-service-url: experiments need the data-service");
        }
        if (r.model() == null) {
            problems.add("model is required");
        } else {
            // The full-data run's spec, with the experiment's defaults filled in: the most demanding run it will submit.
            // (Stage names, patience and ensembleTop are checked below, on their own.)
            LadderOptions o = new ExperimentRequest(r.dataset(), r.model(), null, r.seed(), r.batchSize(), r.valFraction(),
                    r.fullDataSteps(), null, r.faults(), null, null).options("check", null);
            new RunSpec(o.dataset(), new DataConfig(o.seed(), 0, o.batchSize(), o.valFraction()).withFaults(o.faults()), o.model(),
                    o.fullDataSteps(), null).problems().forEach(problems::add);
        }
        problems.addAll(r.optionProblems());
        if (r.stages() != null) {
            for (String s : r.stages()) {
                if (!Stages.EVERY.contains(s)) {
                    problems.add("stages: '" + s + "' is unknown, expected some of " + Stages.EVERY);
                }
            }
            problems.addAll(Stages.problems(r.stages(), r.model()));
        }
        if (r.space() != null) {
            try {
                Ablations.Space space = Ablations.Space.parse(r.space());
                if (r.model() != null) {
                    int batch = r.batchSize() != null ? r.batchSize() : dev.preflight.ladder.LadderOptions.DEFAULT_BATCH_SIZE;
                    Ablations.problems(space, r.model(), batch).forEach(p -> problems.add("space: " + p));
                }
            } catch (WireFormatException e) {
                problems.add("space: " + e.getMessage());
            }
        }
        return problems;
    }

    public ExperimentRecord start(ExperimentRequest r) {
        String id = "exp-" + RunIds.newId().substring(4);
        LadderOptions options = r.options(id, r.space() == null ? null : Ablations.Space.parse(r.space()));
        List<String> stageNames = options.stages().stream().map(Stage::name).toList();
        long now = System.currentTimeMillis();
        ExperimentRecord started = new ExperimentRecord(id, ExperimentState.RUNNING, gatewayId, r,
                stageNames.isEmpty() ? null : stageNames.get(0), List.of(), null, null, null, now, now);
        climbing.add(id);
        update(started);
        workers.submit(() -> climb(started, options, stageNames));
        return started;
    }

    private void climb(ExperimentRecord started, LadderOptions options, List<String> stageNames) {
        String id = started.experimentId();
        List<StageResult> judged = new ArrayList<>();
        try {
            Ladder ladder = new Ladder(runs, new DataClient(config.dataServiceUrl().orElseThrow()), options, (stage, progress) -> { },
                    result -> {
                        judged.add(result);
                        String next = judged.size() < stageNames.size() ? stageNames.get(judged.size()) : null;
                        update(with(current(id), ExperimentState.RUNNING, next, judged, null, null, null));
                    });
            Report report = ladder.run();
            String html = ReportHtml.render(report, ladder.artifacts(), ladder.leaderboard());
            finish(id, with(current(id), ExperimentState.DONE, null, report.stages(), report, html, null));
        } catch (RuntimeException | Error ex) {
            // An Error too: on a pool thread it would vanish into an unread Future and leave the experiment RUNNING.
            if (stopping) {
                return; // onStop has marked it INTERRUPTED; the interruption is why the ladder failed
            }
            LOG.errorf(ex, "experiment %s could not run", id);
            String error = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            finish(id, with(current(id), ExperimentState.ERROR, null, judged, null, null, error));
        }
    }

    private void finish(String id, ExperimentRecord last) {
        if (!stopping) {
            update(last);
        }
        climbing.remove(id);
    }

    /**
     * A record read back from {@code preflight.experiments} (this gateway's own, an earlier process's,
     * or another replica's). This process's climbing experiments keep their local state; anything else replaces an
     * older local copy. Once the records that were on the topic when this process started have all been read
     * ({@link #readUpTo}), every
     * experiment still RUNNING under another gateway process belongs to a ladder nobody climbs any more: it becomes
     * INTERRUPTED, naming the stage, and that is published so the next start reads it as such. (Marking on the way
     * would mark an experiment whose later records say it finished.)
     */
    public void restore(ExperimentRecord record) {
        String id = record.experimentId();
        if (!climbing.contains(id)) {
            experiments.merge(id, record, (mine, theirs) -> theirs.updatedAtMs() >= mine.updatedAtMs() ? theirs : mine);
        }
    }

    /** The consumer is past {@code offset} of the experiments topic (restored, or dead-lettered). */
    public void readUpTo(long offset) {
        if (offset + 1 >= replayEnd) {
            interruptOrphans();
        }
    }

    /** Marks the experiments of earlier gateway processes that were still RUNNING, once, when the replay is complete. */
    private void interruptOrphans() {
        if (!replayed.compareAndSet(false, true)) {
            return;
        }
        for (ExperimentRecord r : experiments.values()) {
            if (r.state() == ExperimentState.RUNNING && !gatewayId.equals(r.gateway())) {
                ExperimentRecord interrupted = interrupted(r, "gateway " + r.gateway() + " stopped");
                LOG.warnf("experiment %s %s", r.experimentId(), interrupted.error());
                update(interrupted);
            }
        }
    }

    /**
     * Where the experiments topic ended when this process started: the records before it are the replay. Runs after
     * the topic bootstrap and before the channels connect (LIBRARY_BEFORE), so no record is read before it is known.
     */
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE + 10) StartupEvent event) {
        TopicPartition tp = new TopicPartition(Topics.EXPERIMENTS, 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            replayEnd = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the end of " + Topics.EXPERIMENTS, e);
        } catch (ExecutionException | TimeoutException e) {
            // Without it no orphan could be told from a live experiment: fail the start like the topic bootstrap does.
            throw new IllegalStateException("cannot read the end offset of " + Topics.EXPERIMENTS + ": " + e.getMessage(), e);
        }
        LOG.infof("rebuilding experiments from %d record(s) of %s", replayEnd, Topics.EXPERIMENTS);
        if (replayEnd == 0) {
            replayed.set(true);
        }
    }

    public Optional<ExperimentRecord> get(String id) {
        return Optional.ofNullable(experiments.get(id));
    }

    /** Newest first. */
    public List<ExperimentRecord> all() {
        return experiments.values().stream()
                .sorted(Comparator.comparingLong(ExperimentRecord::startedAtMs).reversed().thenComparing(ExperimentRecord::experimentId))
                .toList();
    }

    /** The id this gateway process writes into its records. */
    public String gatewayId() {
        return gatewayId;
    }

    private ExperimentRecord current(String id) {
        return experiments.get(id);
    }

    private static ExperimentRecord with(ExperimentRecord r, ExperimentState state, String stage, List<StageResult> stages,
                                         Report report, String html, String error) {
        return new ExperimentRecord(r.experimentId(), state, r.gateway(), r.request(), stage, stages, report, html, error,
                r.startedAtMs(), System.currentTimeMillis());
    }

    /** {@code r} marked INTERRUPTED at its stage, {@code what} saying what happened to its gateway. */
    private static ExperimentRecord interrupted(ExperimentRecord r, String what) {
        String error = "interrupted: " + what + " while climbing " + (r.stage() == null ? "the ladder" : "stage '" + r.stage() + "'")
                + "; the " + r.stages().size() + " stage(s) judged before are kept; start the experiment again to climb on";
        return with(r, ExperimentState.INTERRUPTED, r.stage(), r.stages(), null, null, error);
    }

    /** Keeps the new state and publishes it; a failed publish is logged (the next state is published whole anyway). */
    private void update(ExperimentRecord r) {
        experiments.put(r.experimentId(), r);
        publisher.publish(r).subscribe().with(ok -> { },
                failure -> LOG.errorf(failure, "experiment %s: could not publish its %s state", r.experimentId(), r.state()));
    }

    /**
     * A graceful stop (SIGTERM, redeploy) interrupts the ladders it climbs: each is marked INTERRUPTED at its stage and
     * that is published before the producer closes. A kill -9 cannot do this; the next start does it ({@link #restore}).
     */
    void onStop(@Observes ShutdownEvent ev) {
        stopping = true;
        for (String id : climbing) {
            ExperimentRecord r = experiments.get(id);
            if (r == null) {
                continue;
            }
            ExperimentRecord interrupted = interrupted(r, "the gateway shut down");
            experiments.put(id, interrupted);
            try {
                publisher.publish(interrupted).await().atMost(SHUTDOWN_PUBLISH_WAIT);
            } catch (RuntimeException e) {
                LOG.warnf("experiment %s: could not publish INTERRUPTED at shutdown (%s); the next start marks it", id, e.getMessage());
            }
        }
        workers.shutdownNow();
    }
}
