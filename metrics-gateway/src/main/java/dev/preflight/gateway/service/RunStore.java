package dev.preflight.gateway.service;

import dev.preflight.gateway.model.RunState;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.SamplePredictions;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every run the gateway has seen, from its own submissions, other replicas' (via the runs topic) and events of runs
 * it never saw submitted. Kept in memory only: after a restart it is rebuilt by re-reading the topics from the start.
 * Plain Java so that its ordering and replace semantics are tested without a container.
 */
public final class RunStore {

    private final ConcurrentHashMap<String, RunRecord> runs = new ConcurrentHashMap<>();
    private final Consumer<RunRecord> onFirstSight;
    // Followers of one run each (the live page's streams): few, and added and removed far less often than steps arrive.
    private final ConcurrentHashMap<String, CopyOnWriteArrayList<RunFollower>> followers = new ConcurrentHashMap<>();

    /**
     * Told of a run's data as the store applies it, on the consumer thread that applied it: every train and val step
     * (a redelivery again, with the same values) and every lifecycle event. Must return quickly and not throw.
     */
    public interface RunFollower {
        void trainStep(TrainStep step);

        void valStep(ValStep step);

        void event(RunRecord run);

        /** Whether the follower is gone (its client disconnected); closed followers are dropped on the next follow. */
        boolean closed();
    }

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
        boolean fresh = record(step.runId(), null).trainStep(step);
        followersOf(step.runId()).forEach(f -> f.trainStep(step));
        return fresh;
    }

    /** @return whether the step is new to its run (false for a redelivery, which replaced the earlier copy) */
    public boolean valStep(ValStep step) {
        boolean fresh = record(step.runId(), null).valStep(step);
        followersOf(step.runId()).forEach(f -> f.valStep(step));
        return fresh;
    }

    /** A chunk of per-sample predictions (see {@link RunRecord#samplePredictions(SamplePredictions)}). */
    public void samplePredictions(SamplePredictions chunk) {
        record(chunk.runId(), null).samplePredictions(chunk);
    }

    public RunRecord event(RunEvent event) {
        RunRecord record = record(event.runId(), null);
        record.event(event);
        followersOf(event.runId()).forEach(f -> f.event(record));
        return record;
    }

    /**
     * Follows one run from now on. Register before reading the run's history: a step applied in between then reaches
     * the follower as well as the history (keyed by step, so the copy replaces itself), and none is missed.
     */
    public void follow(String runId, RunFollower follower) {
        // A follower of a run that no longer changes never hears of its client leaving: sweep those here.
        followers.values().forEach(list -> list.removeIf(RunFollower::closed));
        followers.computeIfAbsent(runId, id -> new CopyOnWriteArrayList<>()).add(follower);
    }

    public void unfollow(String runId, RunFollower follower) {
        followers.computeIfPresent(runId, (id, list) -> {
            list.remove(follower);
            return list.isEmpty() ? null : list;
        });
    }

    private List<RunFollower> followersOf(String runId) {
        List<RunFollower> list = followers.get(runId);
        return list == null ? List.of() : list;
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
