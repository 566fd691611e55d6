package dev.preflight.eval;

import dev.preflight.eval.service.LatestSnapshots;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LatestSnapshotsTest {

    static Snapshot snap(String run, int step) {
        return new Snapshot(run, step, null, new int[]{1}, 2, List.of());
    }

    static Snapshot snap(String run, int step, int lastStep) {
        RunSpec spec = new RunSpec("shapes", new DataConfig(1L, 0, 8, 0.2), new ModelConfig("mlp", 1L, 1e-3, List.of()), lastStep, 1);
        return new Snapshot(run, step, spec, new int[]{1}, 2, List.of());
    }

    @Test
    void newerSnapshotReplacesTheWaitingOneAndOlderNeverDoes() throws InterruptedException {
        LatestSnapshots box = new LatestSnapshots();
        box.offer(snap("a", 1));
        box.offer(snap("a", 3));
        box.offer(snap("a", 2));
        box.offer(snap("b", 1));
        assertEquals(3, box.take(1, TimeUnit.SECONDS).step());
        assertEquals("b", box.take(1, TimeUnit.SECONDS).runId());
        assertNull(box.take(10, TimeUnit.MILLISECONDS));
        assertEquals(1, box.superseded());
    }

    @Test
    void stepZeroAndTheLastStepAreNeverReplacedNorReplaceOthers() throws InterruptedException {
        LatestSnapshots box = new LatestSnapshots();
        box.offer(snap("a", 0, 5));
        box.offer(snap("a", 1, 5));
        box.offer(snap("a", 2, 5));
        box.offer(snap("a", 3, 5));
        box.offer(snap("a", 5, 5));
        box.offer(snap("a", 4, 5));
        assertEquals(0, box.take(1, TimeUnit.SECONDS).step());
        assertEquals(4, box.take(1, TimeUnit.SECONDS).step(), "ordinary steps still keep only the newest");
        assertEquals(5, box.take(1, TimeUnit.SECONDS).step());
        assertNull(box.take(10, TimeUnit.MILLISECONDS));
        assertEquals(3, box.superseded());
    }
}
