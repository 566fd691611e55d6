package dev.preflight.recipe;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The ladder's stages in the recipe's order. Adding a stage means writing its class and adding it to {@link #all()}. */
public final class Stages {

    private Stages() {
    }

    /** Every stage with its default thresholds, in the order the recipe climbs them. */
    public static List<Stage> all() {
        return List.of(new ModelCheck(), new DataCheck(), new InitCheck(), new OverfitOneSample(), new OverfitFewSamples(), new FullData(),
                new LabelNoise(), new SpeedCheck(), new Ablations(), new Ensemble());
    }

    /** Names of {@link #all()}, in order. */
    public static final List<String> NAMES = all().stream().map(Stage::name).toList();

    /**
     * The stages named, in ladder order whatever the order given (empty or null: all).
     *
     * @throws IllegalArgumentException naming every unknown stage and the known ones
     */
    public static List<Stage> named(Collection<String> names) {
        if (names == null || names.isEmpty()) {
            return all();
        }
        List<String> unknown = names.stream().filter(n -> !NAMES.contains(n)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown stage" + (unknown.size() == 1 ? " '" + unknown.get(0) + "'" : "s " + unknown)
                    + ", expected some of " + NAMES);
        }
        List<Stage> out = new ArrayList<>();
        for (Stage s : all()) {
            if (names.contains(s.name())) {
                out.add(s);
            }
        }
        return List.copyOf(out);
    }

    /** {@code stages} with the stage of the same name as {@code replacement} replaced (e.g. other thresholds). */
    public static List<Stage> replace(List<Stage> stages, Stage replacement) {
        return stages.stream().map(s -> s.name().equals(replacement.name()) ? replacement : s).toList();
    }
}
