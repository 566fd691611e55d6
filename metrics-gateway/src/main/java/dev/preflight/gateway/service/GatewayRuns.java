package dev.preflight.gateway.service;

import dev.preflight.gateway.model.RunDetail;
import dev.preflight.ladder.Runs;
import dev.preflight.wire.RunSpec;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;

/**
 * The gateway's experiments reach runs in-process: the same submission, store and kill paths the REST API uses, without
 * a loopback HTTP call or an API key. Submissions and kills still wait for Kafka's acknowledgement, like the API's.
 */
@ApplicationScoped
public class GatewayRuns implements Runs {

    /** Longer than the services' own Kafka timeouts, which fail first with their own message. */
    private static final Duration ACK_WAIT = Duration.ofMinutes(2);

    private final RunStore store;
    private final RunSubmissionService submissions;
    private final RunControlService control;

    public GatewayRuns(RunStore store, RunSubmissionService submissions, RunControlService control) {
        this.store = store;
        this.submissions = submissions;
        this.control = control;
    }

    @Override
    public String submit(RunSpec spec) {
        List<String> problems = spec.problems();
        if (!problems.isEmpty()) {
            throw new RejectedException("invalid run spec: " + String.join("; ", problems));
        }
        try {
            return submissions.submit(spec).await().atMost(ACK_WAIT).runId();
        } catch (DataServiceCheck.RejectedException e) {
            throw new RejectedException("invalid run spec: " + e.getMessage());
        }
    }

    @Override
    public Status status(String runId) {
        RunDetail d = record(runId).detail();
        return new Status(runId, d.state().name(), d.step() == null ? 0 : d.step(),
                d.trainLoss() == null ? Double.NaN : d.trainLoss(), d.valLoss() == null ? Double.NaN : d.valLoss(),
                d.message() == null ? "" : d.message(), d.stoppedEarlyAt(), d.bestStep());
    }

    @Override
    public History history(String runId) {
        var h = record(runId).history(null, null);
        return new History(h.train(), h.val());
    }

    @Override
    public java.util.Optional<dev.preflight.wire.SamplePredictions> predictions(String runId, String split) {
        return record(runId).samplePredictions(split);
    }

    @Override
    public boolean kill(String runId, String reason) {
        if (record(runId).state().terminal()) {
            return false;
        }
        control.kill(runId, reason).await().atMost(ACK_WAIT);
        return true;
    }

    private RunRecord record(String runId) {
        return store.find(runId).orElseThrow(() -> new IllegalStateException("unknown run '" + runId + "'"));
    }
}
