package dev.preflight.gateway.service;

import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.gateway.model.ExperimentRequest;
import dev.preflight.ladder.DataClient;
import dev.preflight.ladder.Ladder;
import dev.preflight.ladder.LadderOptions;
import dev.preflight.report.ReportHtml;
import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.Stages;
import dev.preflight.recipe.StageResult;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.WireFormatException;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Experiments over REST: the same ladder the CLI climbs, run by the gateway on a worker thread. The ladder reaches runs
 * in-process ({@link GatewayRuns}: the API's own submission, store and kill paths), so there is one implementation of
 * the recipe and no loopback HTTP call with the gateway's own API key.
 * Experiments live in memory: a restarted gateway forgets them, while their runs stay in the history.
 */
@ApplicationScoped
public class ExperimentService {

    private static final Logger LOG = Logger.getLogger(ExperimentService.class);

    public enum State { RUNNING, DONE, ERROR }

    /** One experiment: what was asked, the stages judged so far, and when done the report. */
    public static final class Experiment {
        public final String id;
        public final ExperimentRequest request;
        public final List<StageResult> stages = new CopyOnWriteArrayList<>();
        public volatile State state = State.RUNNING;
        public volatile Report report;
        public volatile String html;
        public volatile String error;

        Experiment(String id, ExperimentRequest request) {
            this.id = id;
            this.request = request;
        }
    }

    private final Map<String, Experiment> experiments = new ConcurrentHashMap<>();
    // Ladders mostly wait on runs; two at a time keeps the trainers, not the gateway, the limit.
    private final ExecutorService workers = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "experiment");
        t.setDaemon(true);
        return t;
    });
    private final GatewayConfig config;
    private final GatewayRuns runs;

    public ExperimentService(GatewayConfig config, GatewayRuns runs) {
        this.config = config;
        this.runs = runs;
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
            // (Stage names are checked below, on their own.)
            LadderOptions o = new ExperimentRequest(r.dataset(), r.model(), null, r.seed(), r.batchSize(), r.valFraction(),
                    r.fullDataSteps(), null, r.faults()).options("check", null);
            new RunSpec(o.dataset(), new DataConfig(o.seed(), 0, o.batchSize(), o.valFraction()).withFaults(o.faults()), o.model(),
                    o.fullDataSteps(), null).problems().forEach(problems::add);
        }
        if (r.stages() != null) {
            for (String s : r.stages()) {
                if (!Stages.NAMES.contains(s)) {
                    problems.add("stages: '" + s + "' is unknown, expected some of " + Stages.NAMES);
                }
            }
        }
        if (r.space() != null) {
            try {
                Ablations.Space space = Ablations.Space.parse(r.space());
                if (r.model() != null) {
                    Ablations.problems(space, r.model()).forEach(p -> problems.add("space: " + p));
                }
            } catch (WireFormatException e) {
                problems.add("space: " + e.getMessage());
            }
        }
        return problems;
    }

    public Experiment start(ExperimentRequest r) {
        String id = "exp-" + RunIds.newId().substring(4);
        Experiment e = new Experiment(id, r);
        experiments.put(id, e);
        LadderOptions options = r.options(id, r.space() == null ? null : Ablations.Space.parse(r.space()));
        workers.submit(() -> climb(e, options));
        return e;
    }

    private void climb(Experiment e, LadderOptions options) {
        try {
            Ladder ladder = new Ladder(runs,
                    new DataClient(config.dataServiceUrl().orElseThrow()), options, (stage, progress) -> { }, e.stages::add);
            Report report = ladder.run();
            e.html = ReportHtml.render(report, ladder.artifacts(), ladder.leaderboard());
            e.report = report;
            e.state = State.DONE;
        } catch (RuntimeException | Error ex) {
            // An Error too: on a pool thread it would vanish into an unread Future and leave the experiment RUNNING.
            LOG.errorf(ex, "experiment %s could not run", e.id);
            e.error = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            e.state = State.ERROR;
        }
    }

    public Optional<Experiment> get(String id) {
        return Optional.ofNullable(experiments.get(id));
    }

    public Collection<Experiment> all() {
        return experiments.values();
    }

    void onStop(@Observes ShutdownEvent ev) {
        workers.shutdownNow();
    }
}
