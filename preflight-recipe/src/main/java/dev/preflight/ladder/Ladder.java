package dev.preflight.ladder;

import dev.preflight.recipe.Report;
import dev.preflight.recipe.Stage;
import dev.preflight.recipe.StageResult;
import dev.preflight.recipe.Verdict;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Climbs the recipe's ladder for one experiment: a loop over its stages, each running, measuring and judging through
 * one shared {@link StageContext}. A FAIL stops the ladder: later stages would only repeat the failure at a higher
 * price.
 */
public final class Ladder {

    private final LadderOptions o;
    private final StageContext ctx;
    private final Consumer<StageResult> done;

    /**
     * @param runs     how runs are reached: the gateway's HTTP API, or the gateway's own store in-process
     * @param data     the data-service (stats and previews)
     * @param progress (label, progress) of every run followed
     * @param done     each stage's result as soon as it is judged
     */
    public Ladder(Runs runs, DataClient data, LadderOptions options, BiConsumer<String, RunWatcher.Progress> progress,
                  Consumer<StageResult> done) {
        this.o = options;
        this.ctx = new StageContext(runs, data, options, progress);
        this.done = done;
    }

    public Report run() {
        List<StageResult> results = new ArrayList<>();
        for (Stage stage : o.stages()) {
            StageResult r = climb(stage);
            results.add(r);
            ctx.record(r);
            done.accept(r);
            if (r.verdict() == Verdict.FAIL) {
                break;
            }
        }
        List<String> notReached = o.stages().subList(results.size(), o.stages().size()).stream().map(Stage::name).toList();
        return new Report(o.dataset(), o.model().type(), List.copyOf(results), System.currentTimeMillis(), layers(results), notReached);
    }

    /**
     * One stage; a run the pipeline refuses (the gateway's or the data-service's reason, e.g. a resolution the dataset
     * cannot take) FAILs the stage with that reason instead of ending the whole ladder with an exception: the user gets
     * the verdict, the reason and the report of every stage before it.
     */
    private StageResult climb(Stage stage) {
        try {
            return stage.climb(ctx);
        } catch (Runs.RejectedException e) {
            List<String> runs = ctx.allArtifacts().containsKey(stage.name())
                    ? ctx.allArtifacts().get(stage.name()).runs().stream().map(RunWatcher.Finished::runId).toList() : List.of();
            return new StageResult(stage.name(), Verdict.FAIL, Map.of(), "a run of this stage was refused: " + e.getMessage(), runs,
                    List.of(e.getMessage()));
        }
    }

    /**
     * The per-layer section: over the last stage's run that trained the model on that stage's data for a while
     * (full-data's when it ran; speed reuses that run and ablations train other configurations, so neither counts).
     */
    private dev.preflight.recipe.LayerReport layers(List<StageResult> results) {
        Map<String, StageArtifacts> artifacts = ctx.allArtifacts();
        dev.preflight.recipe.LayerReport found = null;
        for (StageResult r : results) {
            StageArtifacts a = artifacts.get(r.name());
            if (a == null || a.runs().isEmpty() || r.name().equals(dev.preflight.recipe.Ablations.NAME)
                    || r.name().equals(dev.preflight.recipe.SpeedCheck.NAME)) {
                continue;
            }
            RunWatcher.Finished run = a.runs().get(0);
            dev.preflight.recipe.LayerReport l = run.history().train().size() < MIN_LAYER_STEPS ? null
                    : dev.preflight.recipe.LayerReport.of(r.name(), run.runId(), run.history().train());
            if (l != null) {
                found = l;
            }
        }
        return found;
    }

    /** Fewer train steps than this (init-check's one) say nothing about how layers move. */
    static final int MIN_LAYER_STEPS = 5;

    /** Per stage that ran, what report.html shows besides the verdict (the report asks the stages' artifacts here). */
    public Map<String, StageArtifacts> artifacts() {
        return ctx.allArtifacts();
    }

    /** The ablation stage's outcome: seed bands best first, and the trials killed early (both empty when it did not run). */
    public Leaderboard leaderboard() {
        return ctx.leaderboard();
    }
}
