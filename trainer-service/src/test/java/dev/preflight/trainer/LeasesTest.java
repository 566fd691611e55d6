package dev.preflight.trainer;

import dev.preflight.kafka.LocalKafka;
import dev.preflight.trainer.config.TrainerConfig;
import dev.preflight.trainer.messaging.Leases;
import dev.preflight.trainer.messaging.TrainerProducer;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunLease;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lease arbitration and fencing against a real broker, with a short TTL: two replicas' views of one lease topic. */
class LeasesTest {

    static final Duration TTL = Duration.ofSeconds(2);

    static LocalKafka kafka;
    static TrainerProducer producerA;
    static TrainerProducer producerB;
    static Leases a;
    static Leases b;

    @BeforeAll
    static void start() {
        kafka = LocalKafka.start();
        Topics.ensureAll(kafka.bootstrapServers());
        producerA = new TrainerProducer(kafka.bootstrapServers());
        producerB = new TrainerProducer(kafka.bootstrapServers());
        a = new Leases(kafka.bootstrapServers(), producerA, config());
        b = new Leases(kafka.bootstrapServers(), producerB, config());
        a.start();
        b.start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (Leases l : new Leases[]{a, b}) {
            var stop = Leases.class.getDeclaredMethod("onStop", io.quarkus.runtime.ShutdownEvent.class);
            stop.setAccessible(true);
            stop.invoke(l, (Object) null);
        }
        kafka.close();
    }

    static TrainerConfig config() {
        return new TrainerConfig() {
            public Optional<String> workerId() { return Optional.empty(); }
            public String group() { return "g"; }
            public Duration batchTimeout() { return Duration.ofMinutes(2); }
            public java.util.OptionalInt tfThreads() { return java.util.OptionalInt.of(1); }
            public int tfInterOpThreads() { return 1; }
            public boolean tfThreadSpinning() { return false; }
            public java.util.OptionalInt devices() { return java.util.OptionalInt.of(1); }
            public int snapshotsInFlight() { return 2; }
            public Duration snapshotAckTimeout() { return Duration.ofSeconds(10); }
            public Optional<Path> exportDir() { return Optional.empty(); }
            public boolean queueEnabled() { return false; }
            public Duration leaseTtl() { return TTL; }
            public Duration leaseHeartbeat() { return Duration.ofMillis(300); }
        };
    }

    static RunSubmitted run() {
        String id = RunIds.newId();
        return new RunSubmitted(id, new RunSpec("shapes", new DataConfig(1L, 1, 1, 0.2), new ModelConfig("mlp", 1L, 1e-3, List.of(8)), 10, 1),
                System.currentTimeMillis());
    }

    @Test
    void ofTwoRacingClaimsExactlyOneWinsAndBothReplicasAgree() throws Exception {
        RunSubmitted run = run();
        CompletableFuture<Optional<Leases.Lease>> fa = CompletableFuture.supplyAsync(() -> claim(a, run, "worker-a"));
        CompletableFuture<Optional<Leases.Lease>> fb = CompletableFuture.supplyAsync(() -> claim(b, run, "worker-b"));
        Optional<Leases.Lease> la = fa.get();
        Optional<Leases.Lease> lb = fb.get();
        assertTrue(la.isPresent() ^ lb.isPresent(), "exactly one claim wins: a=" + la.isPresent() + " b=" + lb.isPresent());
        String winner = la.isPresent() ? "worker-a" : "worker-b";
        assertEquals(winner, a.current(run.runId()).map(RunLease::worker).orElseThrow());
        assertEquals(winner, b.current(run.runId()).map(RunLease::worker).orElseThrow());
        Leases.Lease held = la.orElseGet(lb::get);
        Thread.sleep(TTL.toMillis() + 500);
        assertTrue(a.live(run.runId()) && b.live(run.runId()), "renewed while held");
        assertTrue(a.lost().filter(l -> l.runId().equals(run.runId())).isEmpty());
        held.release();
        await(() -> a.current(run.runId()).isEmpty() && b.current(run.runId()).isEmpty(), "released everywhere");
    }

    @Test
    void aSilentHolderIsDeclaredLostTakenOverAndFenced() throws Exception {
        RunSubmitted run = run();
        Leases.Lease old = claim(a, run, "worker-a").orElseThrow();
        old.check();
        // The holder goes silent (as if frozen): no more renewals.
        stopRenewals(old);
        long silentAt = System.nanoTime();
        await(() -> b.lost().filter(l -> l.runId().equals(run.runId())).isPresent(), "declared lost by the other replica");
        assertTrue(System.nanoTime() - silentAt >= TTL.toNanos() - Duration.ofMillis(400).toNanos(), "not before the TTL");
        Leases.Lease taken = claim(b, run, "worker-b").orElseThrow();
        assertEquals("worker-a", taken.previousWorker());
        assertEquals(old.epoch() + 1, taken.epoch());
        // The old holder reads the takeover: it must stop, and its late renewals do not count.
        await(old::fenced, "old holder fenced");
        assertThrows(Leases.FencedException.class, old::check);
        producerA.lease(new RunLease(run.runId(), "worker-a", old.epoch(), run, TTL.toMillis(), 0, System.currentTimeMillis()));
        Thread.sleep(500);
        assertEquals("worker-b", a.current(run.runId()).map(RunLease::worker).orElseThrow());
        taken.check();
        assertFalse(taken.fenced());
        // A claim on a lease that is being renewed is refused by every reader.
        assertTrue(claim(a, run, "worker-c").isEmpty());
        assertEquals("worker-b", a.current(run.runId()).map(RunLease::worker).orElseThrow());
        taken.release();
    }

    static Optional<Leases.Lease> claim(Leases leases, RunSubmitted run, String worker) {
        try {
            return leases.claim(run, worker);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static void stopRenewals(Leases.Lease lease) throws Exception {
        var stop = Leases.Lease.class.getDeclaredMethod("stopRenewing");
        stop.setAccessible(true);
        stop.invoke(lease);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    /** Polls {@code check} for up to 20 s (Awaitility), naming {@code what} when it never holds. */
    static void await(Check check, String what) {
        org.awaitility.Awaitility.await(what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(check::ok);
    }
}
