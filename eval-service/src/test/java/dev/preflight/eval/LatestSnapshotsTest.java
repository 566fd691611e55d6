package dev.preflight.eval;

import dev.preflight.eval.service.LatestSnapshots;
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
}
