package dev.preflight.recipe;

import dev.preflight.ladder.StageContext;

/**
 * One step of the recipe with an automatic verdict that can fail. Each stage is one class: it declares its name, its
 * documented thresholds (a {@code Thresholds} record whose defaults cite the recipe line they come from), what it runs
 * and how it measures ({@link #climb}), how it judges (a static {@code judge} that unit tests call directly), and what
 * it leaves for the report (the runs, previews and stats it records in {@link StageContext#artifacts}).
 *
 * <p>The ladder is a loop over stages ({@link Stages#all()} is the one list); a FAIL stops it.
 */
public interface Stage {

    /** The stage's name in reports, run specs ({@code RunSpec.stage}), meters and the CLI's {@code --stages}. */
    String name();

    /** The line of the recipe (../shared/recipe/) this stage turns into a check. */
    String recipeLine();

    /**
     * Runs what the stage needs through {@code ctx}, measures the result and judges it.
     *
     * @return the verdict with its evidence; never null
     * @throws RuntimeException when Preflight itself cannot run the stage (the gateway or data-service unreachable, a
     *                          run that never ends) — a broken model or dataset is a FAIL verdict, not an exception
     */
    StageResult climb(StageContext ctx);
}
