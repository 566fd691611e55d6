package dev.preflight.trainer.service;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Snapshots on demand, step by step, with the eval-service's reports and the clock under the test's control. */
class SnapshotPacerTest {

    private final AtomicInteger done = new AtomicInteger(-1);
    private final AtomicLong now = new AtomicLong();

    private SnapshotPacer pacer(int every, int last, int inFlight) {
        return new SnapshotPacer(every, last, inFlight, 10_000, done::get, now::get);
    }

    /** Steps 0..last: publishes what is due; {@code report} is called after each step to play the eval-service. */
    private static List<Integer> run(SnapshotPacer p, int last, Runnable report) {
        List<Integer> published = new ArrayList<>();
        for (int step = 0; step <= last; step++) {
            if (p.due(step)) {
                p.published(step);
                published.add(step);
            }
            report.run();
        }
        return published;
    }

    @Test
    void withoutReportsOnlyStepZeroTheInFlightAllowanceAndTheLastStepArePublished() {
        assertEquals(List.of(0, 1, 100), run(pacer(1, 100, 2), 100, () -> { }));
        assertEquals(List.of(0, 100), run(pacer(1, 100, 1), 100, () -> { }));
    }

    @Test
    void aReportOfAStepSettlesItAndEveryEarlierOne() {
        SnapshotPacer p = pacer(1, 100, 2);
        assertTrue(p.due(0));
        p.published(0);
        p.published(1);
        assertFalse(p.due(2), "two in flight");
        done.set(0);
        assertTrue(p.due(2), "step 0 validated: room for one");
        p.published(2);
        assertFalse(p.due(3));
        done.set(2);
        assertEquals(0, p.unsettled(), "a report of step 2 settles step 1 too (the mailbox replaced it)");
    }

    @Test
    void anEvalServiceThatKeepsUpGetsEverySnapshotEveryOftenAllows() {
        // The eval-service reports each snapshot done one step after it was published.
        SnapshotPacer p = pacer(5, 50, 2);
        List<Integer> published = new ArrayList<>();
        for (int step = 0; step <= 50; step++) {
            if (!published.isEmpty()) {
                done.set(published.get(published.size() - 1));
            }
            if (p.due(step)) {
                p.published(step);
                published.add(step);
            }
        }
        assertEquals(List.of(0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50), published, "never more often than snapshotEvery");
    }

    @Test
    void anUnansweredSnapshotStopsHoldingTheNextBackAfterTheTimeout() {
        SnapshotPacer p = pacer(1, 100, 1);
        p.published(0);
        assertFalse(p.due(1));
        now.addAndGet(9_999);
        assertFalse(p.due(2));
        now.addAndGet(1);
        assertTrue(p.due(3), "10 000 ns without a report: settled");
    }

    @Test
    void noPacingMeansEverySnapshotEveryStepsAndBadSettingsAreRefused() {
        assertEquals(List.of(0, 3, 6, 9, 10), run(pacer(3, 10, 0), 10, () -> { }));
        assertThrows(IllegalArgumentException.class, () -> pacer(0, 10, 2));
        assertThrows(IllegalArgumentException.class, () -> pacer(1, 10, -1));
    }
}
