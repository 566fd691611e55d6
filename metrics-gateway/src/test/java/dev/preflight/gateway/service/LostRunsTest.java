package dev.preflight.gateway.service;

import dev.preflight.gateway.messaging.ControlPublisher;
import dev.preflight.gateway.messaging.RunEventPublisher;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.Json;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunCommand;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunLease;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When a run is declared lost, on a clock the test moves: after lost-after of lease silence, not before; a renewal
 * restarts the count; an ended run is never declared; and a broker outage is not silence (nothing is declared while
 * the broker is away, and the count starts again at its return).
 */
class LostRunsTest {

    static final Duration LOST_AFTER = Duration.ofMinutes(2);

    final AtomicLong nanos = new AtomicLong(1_000);
    final AtomicBoolean reachable = new AtomicBoolean(true);
    final List<byte[]> events = new ArrayList<>();
    final List<byte[]> commands = new ArrayList<>();
    final RunStore store = new RunStore(r -> { });
    final LostRuns lost = new LostRuns(store, new RunEventPublisher(emitter(events)), new ControlPublisher(emitter(commands)),
            LOST_AFTER, nanos::get, reachable::get);

    /** An emitter that keeps each payload and acknowledges at once. */
    @SuppressWarnings("unchecked")
    static MutinyEmitter<byte[]> emitter(List<byte[]> sent) {
        return (MutinyEmitter<byte[]>) Proxy.newProxyInstance(LostRunsTest.class.getClassLoader(), new Class<?>[]{MutinyEmitter.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("sendMessage")) {
                        sent.add(((Message<byte[]>) args[0]).getPayload());
                        return Uni.createFrom().voidItem();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    static RunLease lease(String runId, int step) {
        RunSpec spec = new RunSpec("shapes", new DataConfig(1L, 0, 16, 0.2), new ModelConfig("mlp", 7L, 1e-3, List.of(8)), 20, null);
        return new RunLease(runId, "trainer-a", 1, new RunSubmitted(runId, spec, 0L), 10_000, step, 0L);
    }

    void at(Duration t) {
        nanos.set(1_000 + t.toNanos());
    }

    @Test
    void aRunSilentForLostAfterIsDeclaredOnceWithAnEventAndAFailCommand() {
        lost.renewed(lease("run-a", 37));
        at(LOST_AFTER.minusSeconds(1));
        assertEquals(0, lost.sweep(), "not before lost-after");
        at(LOST_AFTER);
        assertEquals(1, lost.sweep());
        assertEquals(0, lost.sweep(), "declared once");
        assertEquals(1, events.size());
        RunEvent e = RunEvent.decode(events.get(0));
        assertEquals(RunEvent.Type.LOST, e.type());
        assertEquals(37, e.step());
        assertEquals("lost: no trainer renewed its lease for 120 s (last holder trainer-a, at step 37) and no replica took it over",
                e.message());
        RunCommand c = Json.decode(commands.get(0), RunCommand.class);
        assertEquals(RunCommand.Type.FAIL, c.type());
        assertEquals(e.message(), c.reason());
    }

    @Test
    void aRenewalRestartsTheCountAndAReleaseOrAnEndStopsIt() {
        lost.renewed(lease("run-b", 1));
        lost.renewed(lease("run-c", 1));
        lost.renewed(lease("run-d", 1));
        at(Duration.ofMinutes(1));
        lost.renewed(lease("run-b", 60));
        lost.released("run-c");
        store.event(new RunEvent("run-d", RunEvent.Type.FINISHED, 20, "done", "trainer-a", 5L));
        at(Duration.ofMinutes(2).plusSeconds(30));
        assertEquals(0, lost.sweep(), "b renewed 90 s ago, c released, d finished");
        assertEquals(1, lost.watched(), "only b is still watched");
        at(Duration.ofMinutes(3));
        assertEquals(1, lost.sweep());
        assertEquals("run-b", RunEvent.decode(events.get(0)).runId());
    }

    @Test
    void aBrokerOutageIsNotSilence() {
        lost.renewed(lease("run-e", 5));
        at(Duration.ofMinutes(1));
        reachable.set(false);
        assertEquals(0, lost.sweep());
        at(Duration.ofMinutes(5));
        assertEquals(0, lost.sweep(), "nothing is declared while the broker is away");
        reachable.set(true);
        at(Duration.ofMinutes(5).plusSeconds(10));
        assertEquals(0, lost.sweep(), "silence counts from the broker's return, not from the last record");
        at(Duration.ofMinutes(7));
        assertEquals(1, lost.sweep(), "lost-after past the return with no renewal: lost");
        assertTrue(RunEvent.decode(events.get(0)).message().startsWith("lost: no trainer renewed its lease for 120 s"));
    }
}
