package dev.preflight.wire;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunLeaseTest {

    static final RunSubmitted RUN = new RunSubmitted("run-1", new RunSpec("shapes", new DataConfig(1L, 1, 1, 0.2),
            new ModelConfig("mlp", 1L, 1e-3, List.of(8)), 10, 1), 1L);

    static RunLease lease(String worker, long epoch) {
        return new RunLease("run-1", worker, epoch, RUN, 10_000, 0, 0L);
    }

    @Test
    void theArbitrationRule() {
        assertTrue(RunLease.supersedes(null, 0, lease("a", 1), 5), "first claim");
        assertTrue(RunLease.supersedes(lease("a", 1), 1_000, lease("a", 1), 1_500), "renewal");
        assertFalse(RunLease.supersedes(lease("a", 1), 1_000, lease("b", 1), 1_001), "second of two racing claims");
        assertFalse(RunLease.supersedes(lease("a", 1), 1_000, lease("b", 2), 10_999), "takeover of a lease not yet expired");
        assertTrue(RunLease.supersedes(lease("a", 1), 1_000, lease("b", 2), 11_000), "takeover of an expired lease");
        assertFalse(RunLease.supersedes(lease("b", 2), 11_000, lease("a", 1), 30_000), "late renewal of the replaced holder");
    }

    @Test
    void roundTripsAndRejectsWhatCannotBeALease() {
        RunLease l = lease("trainer-1", 3);
        assertEquals(l, RunLease.decode(Json.encode(l)));
        assertThrows(WireFormatException.class, () -> RunLease.decode(Json.encode(lease("trainer-1", 0))));
        assertThrows(WireFormatException.class, () -> RunLease.decode(Json.encode(
                new RunLease("run-2", "trainer-1", 1, RUN, 10_000, 0, 0L))));
    }

    @Test
    void resumedEventsNameBothWorkersAndOtherEventsKeepTheirJson() {
        RunEvent resumed = new RunEvent("run-1", RunEvent.Type.RESUMED, 100, "resumed", "trainer-2", 5L, "trainer-1");
        assertEquals(resumed, RunEvent.decode(Json.encode(resumed)));
        RunEvent started = new RunEvent("run-1", RunEvent.Type.STARTED, 0, "taken", "trainer-1", 5L);
        assertFalse(new String(Json.encode(started), java.nio.charset.StandardCharsets.UTF_8).contains("previousWorker"));
        assertEquals(started, RunEvent.decode(Json.encode(started)));
        assertFalse(resumed.terminal());
    }
}
