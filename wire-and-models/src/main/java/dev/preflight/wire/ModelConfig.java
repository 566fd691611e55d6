package dev.preflight.wire;

import java.util.List;
import java.util.Set;

/**
 * The model and its optimiser. Regularisation features are absent on purpose: the recipe's early stages run without
 * them.
 *
 * @param type         model family; "mlp" (fully connected, ReLU)
 * @param seed         weight-initialisation seed
 * @param learningRate Adam learning rate, >= 0 (0 is accepted: it is a fault the recipe's stages must catch)
 * @param hiddenUnits  width of each hidden layer, e.g. [128]
 */
public record ModelConfig(String type, Long seed, Double learningRate, List<Integer> hiddenUnits) {

    public static final Set<String> TYPES = Set.of("mlp");

    void validate(String prefix, List<String> problems) {
        if (type == null || type.isBlank()) {
            problems.add(prefix + "type is required, one of " + TYPES);
        } else if (!TYPES.contains(type)) {
            problems.add(prefix + "type '" + type + "' is unknown, expected one of " + TYPES);
        }
        if (seed == null) {
            problems.add(prefix + "seed is required");
        }
        if (learningRate == null) {
            problems.add(prefix + "learningRate is required");
        } else if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            problems.add(prefix + "learningRate must be a finite number >= 0, was " + learningRate);
        }
        if (hiddenUnits == null) {
            problems.add(prefix + "hiddenUnits is required (e.g. [128]; [] for a linear model)");
        } else {
            for (int i = 0; i < hiddenUnits.size(); i++) {
                Integer w = hiddenUnits.get(i);
                if (w == null || w < 1 || w > 8192) {
                    problems.add(prefix + "hiddenUnits[" + i + "] must be in [1, 8192], was " + w);
                }
            }
        }
    }
}
