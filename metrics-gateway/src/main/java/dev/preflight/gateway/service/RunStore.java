package dev.preflight.gateway.service;

import dev.preflight.gateway.model.RunState;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Every run the gateway has seen, from its own submissions, other replicas' (via the runs topic) and events of runs
 * it never saw submitted. Kept in memory only: after a restart it is rebuilt by re-reading the topics from the start.
 * Plain Java so that its ordering and replace semantics are tested without a container.
 */
public final class RunStore {

    private final ConcurrentHashMap<String, RunRecord> runs = new ConcurrentHashMap<>();
    private final Consumer<RunRecord> onFirstSight;

    /**
     * @param onFirstSight called exactly once per run, when it is first seen and before any of its data is applied;
     *                     this is where per-run meters are registered, so that they are never registered per event
     */
    public RunStore(Consumer<RunRecord> onFirstSight) {
        this.onFirstSight = Objects.requireNonNull(onFirstSight);
    }

    public RunRecord submitted(RunSubmitted run) {
        RunRecord record = record(run.runId(), run.spec());
        record.submitted(run);
        return record;
    }

    /** @return whether the step is new to its run (false for a redelivery, which replaced the earlier copy) */
    public boolean trainStep(TrainStep step) {
        return record(step.runId(), null).trainStep(step);
    }

    /** @return whether the step is new to its run (false for a redelivery, which replaced the earlier copy) */
    public boolean valStep(ValStep step) {
        return record(step.runId(), null).valStep(step);
    }

    public RunRecord event(RunEvent event) {
        RunRecord record = record(event.runId(), null);
        record.event(event);
        return record;
    }

    public Optional<RunRecord> find(String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    /** How many runs are in the state now: read on every scrape, so no sorting or copying. */
    public long count(RunState state) {
        return runs.values().stream().filter(r -> r.state() == state).count();
    }

    /** Newest submission first; runs known only from their events (no submission time) last, by id. */
    public List<RunRecord> all() {
        Collection<RunRecord> snapshot = runs.values();
        return snapshot.stream()
                .sorted(Comparator.comparing(RunRecord::submittedAtMs, Comparator.nullsLast(Comparator.reverseOrder()))
                        .thenComparing(RunRecord::runId))
                .toList();
    }

    private RunRecord record(String runId, RunSpec spec) {
        RunRecord existing = runs.get(runId);
        if (existing != null) {
            return existing;
        }
        // computeIfAbsent runs the callback at most once per key even when two topics race to introduce a run.
        return runs.computeIfAbsent(runId, id -> {
            RunRecord created = new RunRecord(id, spec);
            onFirstSight.accept(created);
            return created;
        });
    }
}
