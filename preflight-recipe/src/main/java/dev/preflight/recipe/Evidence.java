package dev.preflight.recipe;

import java.util.LinkedHashMap;
import java.util.Map;

/** Evidence numbers by name, in insertion order. JSON has no NaN: a number that does not exist is null. */
final class Evidence {

    private final Map<String, Double> values = new LinkedHashMap<>();

    Evidence put(String name, double value) {
        values.put(name, Double.isFinite(value) ? value : null);
        return this;
    }

    Map<String, Double> map() {
        return values;
    }
}
