package dev.preflight.ladder;

import dev.preflight.recipe.Ablations;

import java.util.List;
import java.util.Map;

/**
 * The ablation stage's outcome: configurations over seeds (best first), the trials killed early with why, and the
 * runs of the trials that ran to the end (on the experiment's split and seed; what the ensemble stage averages).
 */
public record Leaderboard(List<Ablations.SeedBand> bands, Map<Ablations.Trial, String> killed, List<String> completedTrialRuns) {

    public Leaderboard {
        completedTrialRuns = completedTrialRuns == null ? List.of() : List.copyOf(completedTrialRuns);
    }

    public Leaderboard(List<Ablations.SeedBand> bands, Map<Ablations.Trial, String> killed) {
        this(bands, killed, List.of());
    }
}
