package dev.preflight.gateway.service;

import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;

/** Test access to the store as the application wires it: meters registered on each run's first sight. */
public final class RunMetersAccess {

    private RunMetersAccess() {
    }

    public static RunStore store(MeterRegistry registry) {
        return new RunMeters(registry, Duration.ofMinutes(10), System::currentTimeMillis).runStore();
    }
}
