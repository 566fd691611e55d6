package dev.preflight.gateway.service;

import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.gateway.model.ExperimentRequest;
import dev.preflight.gateway.rest.ApiKeyFilter;
import dev.preflight.ladder.DataClient;
import dev.preflight.ladder.GatewayClient;
import dev.preflight.ladder.Ladder;
import dev.preflight.ladder.LadderOptions;
import dev.preflight.ladder.Leaderboard;
import dev.preflight.report.ReportHtml;
import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.DataCheck;
import dev.preflight.recipe.FullData;
import dev.preflight.recipe.InitCheck;
import dev.preflight.recipe.OverfitFewSamples;
import dev.preflight.recipe.OverfitOneSample;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.SpeedCheck;
import dev.preflight.recipe.StageResult;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.WireFormatException;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
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
 * Experiments over REST: the same ladder the CLI climbs, run by the gateway on a worker thread. The ladder talks to
 * this gateway over HTTP like any client (submit, follow, kill), so there is one implementation of the recipe.
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
    private final ApiKeyFilter keys;
    private final int port;

    public ExperimentService(GatewayConfig config, ApiKeyFilter keys, @ConfigProperty(name = "quarkus.http.port") int port) {
        this.config = config;
        this.keys = keys;
        this.port = port;
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
            long seed = r.seed() == null ? 42 : r.seed();
            new RunSpec(r.dataset(), new DataConfig(seed, 0, r.batchSize() == null ? 64 : r.batchSize(),
                    r.valFraction() == null ? 0.2 : r.valFraction()).withFaults(r.faults()), r.model(),
                    r.fullDataSteps() == null ? 600 : r.fullDataSteps(), null).problems().forEach(problems::add);
        }
        if (r.stages() != null) {
            for (String s : r.stages()) {
                if (!LadderOptions.STAGES.contains(s)) {
                    problems.add("stages: '" + s + "' is unknown, expected some of " + LadderOptions.STAGES);
                }
            }
        }
        if (r.space() != null) {
            try {
                Ablations.Space.parse(r.space());
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
        List<String> stages = r.stages() == null || r.stages().isEmpty() ? LadderOptions.STAGES
                : LadderOptions.STAGES.stream().filter(r.stages()::contains).toList();
        LadderOptions options = new LadderOptions(id, r.dataset(), r.model(), r.seed() == null ? 42 : r.seed(),
                r.valFraction() == null ? 0.2 : r.valFraction(), r.batchSize() == null ? 64 : r.batchSize(),
                r.fullDataSteps() == null ? 600 : r.fullDataSteps(), stages, Duration.ofMinutes(30), r.faults(),
                DataCheck.Thresholds.DEFAULT, InitCheck.Thresholds.DEFAULT, OverfitOneSample.Thresholds.DEFAULT,
                OverfitFewSamples.Thresholds.DEFAULT, FullData.Thresholds.DEFAULT, SpeedCheck.Thresholds.DEFAULT,
                r.space() == null ? null : Ablations.Space.parse(r.space()));
        workers.submit(() -> climb(e, options));
        return e;
    }

    private void climb(Experiment e, LadderOptions options) {
        try {
            Ladder ladder = new Ladder(new GatewayClient("http://localhost:" + port, keys.key()),
                    new DataClient(config.dataServiceUrl().orElseThrow()), options, (stage, progress) -> { }, e.stages::add);
            Report report = ladder.run();
            e.html = ReportHtml.render(report, ladder.artifacts(), new Leaderboard(ladder.leaderboard(), ladder.killedTrials()));
            e.report = report;
            e.state = State.DONE;
        } catch (RuntimeException ex) {
            LOG.errorf(ex, "experiment %s could not run", e.id);
            e.error = ex.getMessage();
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
