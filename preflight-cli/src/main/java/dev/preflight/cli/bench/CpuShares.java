package dev.preflight.cli.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where the CPU goes: CPU seconds (user + system, every thread, native TensorFlow threads included) of each process of
 * a stack between two readings, read through {@link ProcessHandle.Info#totalCpuDuration()}.
 *
 * <p>Why the bench needs it: train samples per second = cores kept busy ÷ CPU seconds per sample, exactly. So the
 * pipeline ÷ same-work throughput ratio splits, without a remainder, into (cores the pipeline keeps busy ÷ cores the
 * same-work loop keeps busy) × (same-work CPU per sample ÷ pipeline CPU per sample): whether the pipeline loses
 * because it idles, or because it does more work per sample than the loop it is compared with, and in which process.
 */
public final class CpuShares {

    /**
     * CPU seconds per process, read at one moment, with the step the run had reached.
     *
     * @param step       the run's step when read (train samples = steps × batch)
     * @param nanoTime   {@link System#nanoTime()} when read
     * @param cpuSeconds process name → CPU seconds since it started; a process the OS does not report is left out
     */
    public record Reading(int step, long nanoTime, Map<String, Double> cpuSeconds) {
    }

    /**
     * The CPU spent between two readings.
     *
     * @param samples        train samples trained between the readings
     * @param wallSeconds    wall time between the readings (s)
     * @param cpuSeconds     process name → CPU seconds spent between the readings, in the order read
     */
    public record Window(long samples, double wallSeconds, Map<String, Double> cpuSeconds) {

        /** CPU seconds of every process together. */
        public double totalCpuSeconds() {
            return cpuSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        /** Cores kept busy on average: CPU seconds ÷ wall seconds. */
        public double coresBusy() {
            return totalCpuSeconds() / wallSeconds;
        }

        /** CPU seconds per train sample, every process together. */
        public double cpuSecondsPerSample() {
            return totalCpuSeconds() / samples;
        }

        /** Train samples per wall second; equals {@link #coresBusy()} ÷ {@link #cpuSecondsPerSample()}. */
        public double samplesPerSecond() {
            return samples / wallSeconds;
        }
    }

    private CpuShares() {
    }

    /** Reads each process's CPU time; {@code pids} maps a display name to an OS process id. */
    public static Reading read(int step, Map<String, Long> pids) {
        Map<String, Double> cpu = new LinkedHashMap<>();
        pids.forEach((name, pid) -> cpuSeconds(ProcessHandle.of(pid)).ifPresent(s -> cpu.put(name, s)));
        return new Reading(step, System.nanoTime(), cpu);
    }

    /** The CPU time the current process has used (s), if the OS reports it. */
    public static Optional<Double> ownCpuSeconds() {
        return cpuSeconds(Optional.of(ProcessHandle.current()));
    }

    /**
     * The window between {@code from} and {@code to}; processes missing from either reading are left out.
     *
     * @throws IllegalArgumentException when {@code to} is not after {@code from} in steps
     */
    public static Window between(Reading from, Reading to, int batchSize) {
        if (to.step() <= from.step()) {
            throw new IllegalArgumentException("no steps between the readings: " + from.step() + " -> " + to.step());
        }
        Map<String, Double> spent = new LinkedHashMap<>();
        from.cpuSeconds().forEach((name, s) -> {
            Double end = to.cpuSeconds().get(name);
            if (end != null) {
                spent.put(name, end - s);
            }
        });
        return new Window((long) (to.step() - from.step()) * batchSize, (to.nanoTime() - from.nanoTime()) / 1e9, spent);
    }

    private static Optional<Double> cpuSeconds(Optional<ProcessHandle> process) {
        return process.flatMap(p -> p.info().totalCpuDuration()).map(Duration::toNanos).map(n -> n / 1e9);
    }
}
