package dev.preflight.cli.bench;

import dev.preflight.ladder.Runs;
import dev.preflight.wire.StepTiming;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The bench's pipeline figures from a hand-made history whose every total is known. */
class PipelineFiguresTest {

    private static TrainStep step(int n, long snapshotBytes) {
        // 0.1 s per step: 0.08 compute, 0.01 data wait, 0.01 bookkeeping split over the parts.
        StepTiming t = new StepTiming(0.001, 0.002, 0.003, 0.003, 0.0005, snapshotBytes);
        return new TrainStep("r", n, 1.0, 0.1, 0.01, 0.08, 64, 1e-3, 1.0, null, null, null, t);
    }

    @Test
    void ratiosAreOfTotalsAfterTheWarmUpAndSnapshotBytesCountTheWholeRun() {
        List<TrainStep> train = new ArrayList<>();
        for (int n = 1; n <= 10; n++) {
            // Step 1 reports the step-0 snapshot; step 6 two snapshots the publisher finished together; 1000 bytes each.
            train.add(step(n, n == 1 || n == 3 ? 1000 : n == 6 ? 2000 : 0));
        }
        List<ValStep> val = List.of(new ValStep("r", 0, 2, 0.1, 64), new ValStep("r", 2, 1, 0.5, 64),
                new ValStep("r", 5, 1, 0.5, 64), new ValStep("r", 10, 1, 0.5, 64));
        PipelineFigures f = PipelineFigures.of(new Runs.History(train, val), 2);

        assertEquals(8, f.steps());
        assertEquals(64 / 0.1, f.samplesPerSecond(), 1e-9);
        assertEquals(0.01 / 0.08, f.bookkeepingSeconds() / f.computeSeconds(), 1e-9);
        assertEquals(0.0005 * 8, f.unaccountedSeconds(), 1e-9, "0.01 per step minus the parts' 0.0095");
        assertEquals(0.3, f.valCoverage(), 1e-9, "3 val points of train steps over 10 steps (step 0 is not a train step)");
        assertEquals(1000, f.snapshotBytes());
        assertEquals(5000, f.publishedBytes(), "4000 reported by the steps + the last step's snapshot, reported by none");
        assertEquals(4000, f.validatedBytes(), "4 val points of 1000-byte snapshots");
    }
}
