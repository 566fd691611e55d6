package dev.preflight.ladder;

import dev.preflight.recipe.Ablations;

import java.util.List;
import java.util.Map;

/** The ablation stage's outcome: configurations over seeds (best first), and the trials killed early with why. */
public record Leaderboard(List<Ablations.SeedBand> bands, Map<Ablations.Trial, String> killed) {
}
