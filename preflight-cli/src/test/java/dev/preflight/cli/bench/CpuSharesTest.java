package dev.preflight.cli.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuSharesTest {

    @Test
    void windowSplitsThroughputIntoCoresBusyAndCpuPerSample() {
        CpuShares.Reading from = new CpuShares.Reading(20, 0, Map.of("trainer", 10.0, "eval-service", 4.0, "gone", 1.0));
        CpuShares.Reading to = new CpuShares.Reading(120, 5_000_000_000L, Map.of("trainer", 14.0, "eval-service", 5.5));
        CpuShares.Window w = CpuShares.between(from, to, 64);
        assertEquals(6400, w.samples());
        assertEquals(5.0, w.wallSeconds(), 1e-12);
        assertEquals(Map.of("trainer", 4.0, "eval-service", 1.5), w.cpuSeconds(), "a process missing from a reading is left out");
        assertEquals(1.1, w.coresBusy(), 1e-12);
        assertEquals(5.5 / 6400, w.cpuSecondsPerSample(), 1e-15);
        assertEquals(w.coresBusy() / w.cpuSecondsPerSample(), w.samplesPerSecond(), 1e-9);
    }

    @Test
    void refusesAWindowWithoutSteps() {
        CpuShares.Reading r = new CpuShares.Reading(50, 0, Map.of());
        assertThrows(IllegalArgumentException.class, () -> CpuShares.between(r, r, 64));
    }

    @Test
    void readsTheCpuTimeThisProcessSpends() {
        double before = CpuShares.ownCpuSeconds().orElseThrow();
        long t = System.nanoTime();
        double x = 0;
        while (System.nanoTime() - t < 300_000_000L) {
            x += Math.sqrt(x + 1);
        }
        double spent = CpuShares.ownCpuSeconds().orElseThrow() - before;
        assertTrue(x > 0);
        // 0.3 s of busy loop: at least most of it is CPU time of this process, whatever the machine's load.
        assertTrue(spent > 0.05 && spent < 30, "CPU seconds spent: " + spent);
        CpuShares.Reading r = CpuShares.read(1, Map.of("self", ProcessHandle.current().pid()));
        assertTrue(r.cpuSeconds().get("self") >= before + spent - 0.01);
    }
}
