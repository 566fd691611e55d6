package dev.preflight.recipe;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/** The ladder's stages in the recipe's order. Adding a stage means writing its class and adding it to {@link #every()}. */
public final class Stages {

    private Stages() {
    }

    /** Every stage with its default thresholds, in the order the recipe climbs them (the opt-in ones included). */
    public static List<Stage> every() {
        return List.of(new ModelCheck(), new DataCheck(), new InitCheck(), new OverfitOneSample(), new OverfitFewSamples(), new FullData(),
                new L1Regression(), new AdversarialTraining(), new LabelNoise(), new SpeedCheck(), new Ablations(), new Ensemble());
    }

    /**
     * Stages climbed only when named: they squeeze out what a model that works can give (Karpathy 6) or look back at
     * the data through it, rather than check that it works, and each costs forward passes over whole splits
     * (label-noise: train and val of the full-data run; ensemble: val of every ablation trial). l1-regression is
     * opt-in for another reason: it needs paired (image-to-image) data, which the default ladder's classifiers do not;
     * adversarial builds on it.
     */
    public static final Set<String> OPT_IN = Set.of(L1Regression.NAME, AdversarialTraining.NAME, LabelNoise.NAME, Ensemble.NAME);

    /** The default ladder: {@link #every()} but the {@link #OPT_IN} stages, with their default thresholds, in order. */
    public static List<Stage> all() {
        return every().stream().filter(s -> !OPT_IN.contains(s.name())).toList();
    }

    /** Names of {@link #all()}, in order: the default ladder. */
    public static final List<String> NAMES = all().stream().map(Stage::name).toList();

    /** Names of {@link #every()}, in order: what {@link #named} accepts. */
    public static final List<String> EVERY = every().stream().map(Stage::name).toList();

    /**
     * The stages named, in ladder order whatever the order given (empty or null: the default ladder, {@link #all()}).
     *
     * @throws IllegalArgumentException naming every unknown stage and the known ones
     */
    public static List<Stage> named(Collection<String> names) {
        if (names == null || names.isEmpty()) {
            return all();
        }
        List<String> unknown = names.stream().filter(n -> !EVERY.contains(n)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown stage" + (unknown.size() == 1 ? " '" + unknown.get(0) + "'" : "s " + unknown)
                    + ", expected some of " + EVERY);
        }
        List<Stage> out = new ArrayList<>();
        for (Stage s : every()) {
            if (names.contains(s.name())) {
                out.add(s);
            }
        }
        return List.copyOf(out);
    }

    /**
     * What is wrong with climbing exactly the stages named, beyond unknown names: a stage that builds on one left out
     * (adversarial starts from l1-regression's weights, Niessner 12/n: "only once that works, add the D"). Said before
     * anything runs, by the CLI (a usage error) and the gateway (400); empty when nothing is.
     */
    public static List<String> dependencyProblems(Collection<String> names) {
        if (names != null && names.contains(AdversarialTraining.NAME) && !names.contains(L1Regression.NAME)) {
            return List.of("stages: adversarial starts from the l1-regression stage's weights and needs it to PASS first: name "
                    + "l1-regression too");
        }
        return List.of();
    }

    /**
     * {@link #dependencyProblems} and what is wrong with climbing them with {@code model}: the generative stages need an
     * image-to-image model ({@link L1Regression#modelProblem}). Empty when nothing is.
     */
    public static List<String> problems(Collection<String> names, dev.preflight.wire.ModelConfig model) {
        List<String> problems = new ArrayList<>(dependencyProblems(names));
        if (names != null && (names.contains(L1Regression.NAME) || names.contains(AdversarialTraining.NAME))) {
            L1Regression.modelProblem(model).ifPresent(p -> problems.add("model: " + p));
        }
        return problems;
    }

    /** {@code stages} with the stage of the same name as {@code replacement} replaced (e.g. other thresholds). */
    public static List<Stage> replace(List<Stage> stages, Stage replacement) {
        return stages.stream().map(s -> s.name().equals(replacement.name()) ? replacement : s).toList();
    }
}
