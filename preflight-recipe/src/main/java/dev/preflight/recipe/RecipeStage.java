package dev.preflight.recipe;

/**
 * The part every recipe stage shares: its name, the recipe line it checks, and its settings (a {@code Thresholds}
 * record, or the search space of {@link Ablations}). A stage class extends this and writes only what is its own:
 * {@code climb} and {@code judge}.
 *
 * @param <T> the stage's settings type
 */
public abstract class RecipeStage<T> implements Stage {

    private final String name;
    private final String recipeLine;
    private final T thresholds;

    protected RecipeStage(String name, String recipeLine, T thresholds) {
        this.name = name;
        this.recipeLine = recipeLine;
        this.thresholds = thresholds;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String recipeLine() {
        return recipeLine;
    }

    /** The settings this stage judges with. */
    public final T thresholds() {
        return thresholds;
    }

    @Override
    public String toString() {
        return name + " " + thresholds;
    }
}
