package dev.preflight.trainer.service;

import dev.preflight.wire.NamedTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A warm start ({@code RunSpec.initFrom}): this run's parameters with the values a source run's final checkpoint holds
 * under the same names. The source's optimiser state is not taken (a new run, a new optimiser), and neither is anything
 * the model does not have in its parameters (an adversarial run's critic lives outside them and starts fresh).
 */
final class WarmStart {

    private WarmStart() {
    }

    /**
     * @param parameters the new model's parameters (names, shapes and initial values), in its order
     * @param source     every variable of the source run's final checkpoint
     * @return {@code parameters} in the same order, each with the source's value
     * @throws IllegalArgumentException naming every parameter the source lacks or has in another shape
     */
    static List<NamedTensor> parameters(List<NamedTensor> parameters, List<NamedTensor> source, String sourceRunId) {
        Map<String, NamedTensor> byName = new HashMap<>();
        source.forEach(t -> byName.put(t.name(), t));
        List<String> missing = new ArrayList<>();
        List<String> reshaped = new ArrayList<>();
        List<NamedTensor> out = new ArrayList<>(parameters.size());
        for (NamedTensor p : parameters) {
            NamedTensor s = byName.get(p.name());
            if (s == null) {
                missing.add(p.name());
            } else if (!Arrays.equals(s.shape(), p.shape())) {
                reshaped.add(p.name() + Arrays.toString(p.shape()) + " vs " + Arrays.toString(s.shape()));
            } else {
                out.add(s);
            }
        }
        if (!missing.isEmpty() || !reshaped.isEmpty()) {
            throw new IllegalArgumentException("cannot start from run " + sourceRunId + "'s weights (initFrom): "
                    + (missing.isEmpty() ? "" : "it lacks " + missing + (reshaped.isEmpty() ? "" : "; "))
                    + (reshaped.isEmpty() ? "" : "other shapes (this run vs the source): " + reshaped)
                    + ". Start from a run of the same model");
        }
        return out;
    }
}
