package dev.preflight.gateway.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads one run's sample out of a /q/metrics scrape, whatever the label order or trailing-comma style. */
final class PrometheusText {

    private PrometheusText() {
    }

    /** The single sample of {@code name} for the run; asserts it exists once and carries the expected model tag. */
    static double sample(String scrape, String name, String runId, String model) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{([^}]*)\\} (\\S+)$").matcher(scrape);
        List<Double> values = new ArrayList<>();
        while (m.find()) {
            if (m.group(1).contains("run=\"" + runId + "\"")) {
                assertTrue(m.group(1).contains("model=\"" + model + "\""), m.group(0));
                values.add(Double.parseDouble(m.group(2)));
            }
        }
        assertEquals(1, values.size(), () -> "one " + name + " series for " + runId + " in:\n" + scrape);
        return values.get(0);
    }

    /** Whether the scrape has a {@code name} series for the run yet. */
    static boolean has(String scrape, String name, String runId) {
        return Pattern.compile("(?m)^" + name + "\\{[^}]*run=\"" + Pattern.quote(runId) + "\"").matcher(scrape).find();
    }
}
