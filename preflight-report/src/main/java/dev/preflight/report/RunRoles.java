package dev.preflight.report;

import dev.preflight.ladder.Leaderboard;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.FullData;
import dev.preflight.recipe.StageResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What each run of a stage is, for legends: full-data's model and its logistic baseline, an ablation's trial (and
 * seed), or nothing for a stage's only run ("overfit-one-sample · train"). Also each run's colour family: train and
 * val of one run share a hue (train lighter and solid, val darker and dashed); a killed trial is grey.
 *
 * <p>A stage names its runs' roles when it keeps them ({@code StageArtifacts.roles}); a run without one (a report
 * written before roles existed, a hand-built one) gets a role from the ladder's order: full-data keeps the model's run
 * then the baseline's, and the ablation stage lists its trials' runs in trial order before the seed runs (the trial
 * runs' ids are the first {@code trials} of the stage's run ids; the seed runs are named by the leaderboard).
 */
final class RunRoles {

    /** Hues of run families, far enough apart to tell six runs apart. */
    private static final int[] HUES = {212, 28, 135, 352, 272, 186, 318, 55, 240, 8};
    static final String KILLED_TRAIN = "#c4c4c4";
    static final String KILLED_VAL = "#9a9a9a";

    /**
     * @param role      what the run is within its stage; null when the stage has one run
     * @param hue       its colour family
     * @param killed    an ablation trial stopped early: drawn grey
     */
    record Role(String runId, String role, int hue, boolean killed) {

        /** Legend text: stage, role if any, and what the series is ("train", "val", "zero-input control"). */
        String legend(String stage, String what) {
            return stage + (role == null ? "" : " · " + role) + " · " + what;
        }

        String trainColour() {
            return killed ? KILLED_TRAIN : hsl(hue, 0.70, 0.62);
        }

        String valColour() {
            return killed ? KILLED_VAL : hsl(hue, 0.75, 0.34);
        }
    }

    private RunRoles() {
    }

    static List<Role> of(StageResult stage, List<RunWatcher.Finished> runs, Leaderboard board, Map<String, String> given) {
        List<Role> roles = new ArrayList<>();
        Ablation ablation = Ablation.of(stage, board);
        for (int i = 0; i < runs.size(); i++) {
            RunWatcher.Finished run = runs.get(i);
            String named = given.get(run.runId());
            boolean namedKilled = named != null && named.endsWith("(killed)");
            String role = named != null ? (namedKilled ? named.substring(0, named.length() - "(killed)".length()).strip() : named)
                    : stage.name().equals(Ablations.NAME) ? ablation.roles().getOrDefault(run.runId(), "run " + (i + 1))
                    : fixedRole(stage, i, runs.size());
            int family = ablation.trials().getOrDefault(run.runId(), i);
            boolean killed = namedKilled || "KILLED".equals(run.state()) || ablation.killed().contains(run.runId());
            roles.add(new Role(run.runId(), killed ? (role == null ? "" : role + " ") + "(killed)" : role,
                    HUES[Math.floorMod(family, HUES.length)], killed));
        }
        return roles;
    }

    /** Every run id of the stage with what it is, for the run list under the verdict (runs without history included). */
    static Map<String, String> describe(StageResult stage, List<Role> roles, Leaderboard board) {
        Map<String, String> out = new LinkedHashMap<>();
        Ablation ablation = Ablation.of(stage, board);
        Map<String, String> known = new HashMap<>();
        roles.forEach(r -> known.put(r.runId(), r.role()));
        List<String> ids = stage.runIds();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            String role = known.containsKey(id) ? known.get(id)
                    : stage.name().equals(Ablations.NAME) ? ablation.roles().get(id) : fixedRole(stage, i, ids.size());
            out.put(id, role != null && ablation.killed().contains(id) && !known.containsKey(id) ? role + " (killed)" : role);
        }
        return out;
    }

    /** Roles fixed by position: full-data's model then its baseline; a lone run needs none. */
    private static String fixedRole(StageResult stage, int i, int runs) {
        if (stage.name().equals(FullData.NAME) && i < 2) {
            return i == 0 ? "model" : "logistic baseline";
        }
        return runs == 1 ? null : "run " + (i + 1);
    }

    /**
     * The ablation stage's runs: its run ids list the trials' runs first, in trial order, then the seed runs, which
     * the leaderboard names per configuration.
     */
    private record Ablation(Map<String, String> roles, Map<String, Integer> trials, Set<String> killed) {
        static Ablation of(StageResult stage, Leaderboard board) {
            Ablation a = new Ablation(new HashMap<>(), new HashMap<>(), new HashSet<>());
            if (!stage.name().equals(Ablations.NAME)) {
                return a;
            }
            for (int t = 0; t < trialCount(stage) && t < stage.runIds().size(); t++) {
                a.roles().put(stage.runIds().get(t), "trial " + t);
                a.trials().put(stage.runIds().get(t), t);
            }
            if (board != null) {
                for (Ablations.SeedBand b : board.bands()) {
                    for (int s = 0; s < b.runIds().size(); s++) {
                        a.roles().put(b.runIds().get(s), "trial " + b.trial().index() + " · seed " + (s + 1));
                        a.trials().put(b.runIds().get(s), b.trial().index());
                    }
                }
                board.killed().keySet().forEach(t -> {
                    String id = trialRun(stage, t);
                    if (id != null) {
                        a.killed().add(id);
                    }
                });
            }
            return a;
        }
    }

    /** The run id of an ablation trial, when the stage lists its trials' runs (see the class comment). */
    private static String trialRun(StageResult stage, Ablations.Trial t) {
        return t.index() < trialCount(stage) && t.index() < stage.runIds().size() ? stage.runIds().get(t.index()) : null;
    }

    private static int trialCount(StageResult stage) {
        Double n = stage.evidence().get("trials");
        return n == null || !Double.isFinite(n) ? 0 : n.intValue();
    }

    /** A hex colour from hue (degrees), saturation and lightness (0..1). */
    static String hsl(int hue, double s, double l) {
        double c = (1 - Math.abs(2 * l - 1)) * s;
        double hp = hue / 60.0;
        double x = c * (1 - Math.abs(hp % 2 - 1));
        double[] rgb = hp < 1 ? new double[]{c, x, 0} : hp < 2 ? new double[]{x, c, 0} : hp < 3 ? new double[]{0, c, x}
                : hp < 4 ? new double[]{0, x, c} : hp < 5 ? new double[]{x, 0, c} : new double[]{c, 0, x};
        double m = l - c / 2;
        return String.format(Locale.ROOT, "#%02x%02x%02x", channel(rgb[0] + m), channel(rgb[1] + m), channel(rgb[2] + m));
    }

    private static int channel(double v) {
        return (int) Math.round(Math.max(0, Math.min(1, v)) * 255);
    }
}
