package dev.preflight.trainer.messaging;

import dev.preflight.trainer.config.TrainerConfig;
import dev.preflight.wire.RunLease;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import dev.preflight.wire.WireFormatException;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every replica's view of the run leases on {@link Topics#LEASES}, and the leases this replica holds.
 *
 * <p>A reader thread applies every lease record, in log order, with {@link RunLease#supersedes} (a renewal counts only
 * from the current holder; a higher epoch only once the current lease is a TTL old by the broker's append times). Each
 * replica therefore agrees on who holds what, and the first valid claim wins everywhere. A run looks <em>lost</em>
 * when its lease, unreleased, was not renewed for the TTL as measured on this replica's own monotonic clock since it
 * read the last accepted record; the claim that follows is then judged by the log's rule, not by that clock.
 *
 * <p>A {@link Lease} is valid for the TTL minus a safety margin from the <em>send</em> time of its last renewal that
 * was read back still ours. Any other replica waits a full TTL from <em>reading</em> that renewal (which is after it
 * was sent) before it claims, so the holder's validity ends first. A holder whose validity ran out (paused, partitioned,
 * broker unreachable) does not publish until a renewal is read back ours again; if it reads a higher epoch instead it
 * is fenced and stops without publishing anything more.
 */
@ApplicationScoped
public class Leases {

    private static final Logger LOG = Logger.getLogger(Leases.class);
    private static final Duration PROBE_EVERY = Duration.ofMillis(500);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    /**
     * A run's current lease as this replica last read it: its last accepted record, the broker's append time of it,
     * and when (System.nanoTime) this replica read it.
     */
    private record Entry(RunLease lease, long appendMs, long seenNanos) {
    }

    private final String bootstrap;
    private final TrainerProducer producer;
    private final Duration ttl;
    private final Duration heartbeat;
    private final Map<String, Entry> table = new ConcurrentHashMap<>();
    private final Set<String> heldHere = ConcurrentHashMap.newKeySet();
    private final Object progress = new Object();
    private volatile long position = -1;
    private volatile long startEnd = Long.MAX_VALUE;
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;
    /**
     * When (System.nanoTime) the reader last failed to reach the broker; silence before that is not counted. A broker
     * outage silences every lease at once, and the holders renew as soon as it is back: counting the outage as silence
     * would let an idle replica's claim race the holder's first renewal and take over a run nobody lost.
     */
    private volatile long brokerUnreachableNanos = System.nanoTime();
    private long lastProbeNanos;

    public Leases(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, TrainerProducer producer, TrainerConfig config) {
        this.bootstrap = bootstrap;
        this.producer = producer;
        this.ttl = config.leaseTtl();
        this.heartbeat = config.leaseHeartbeat();
        if (heartbeat.compareTo(ttl.dividedBy(2)) > 0) {
            throw new IllegalArgumentException("preflight.trainer.lease-heartbeat " + heartbeat + " must be at most half of lease-ttl " + ttl);
        }
    }

    /** Starts reading the lease topic (once); the run queue calls it before it takes anything. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        TopicPartition tp = new TopicPartition(Topics.LEASES, 0);
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        startEnd = consumer.endOffsets(List.of(tp)).get(tp);
        lastProbeNanos = System.nanoTime();
        thread = new Thread(() -> loop(tp), "lease-reader");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent ev) throws InterruptedException {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.join(5_000);
        }
    }

    public Duration ttl() {
        return ttl;
    }

    private void loop(TopicPartition tp) {
        try (KafkaConsumer<byte[], byte[]> c = consumer) {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    apply(r);
                }
                position = c.position(tp);
                probeBroker(c, tp);
                synchronized (progress) {
                    progress.notifyAll();
                }
            }
        } catch (WakeupException e) {
            // shutdown
        } catch (RuntimeException e) {
            LOG.error("lease reader stopped: this replica can neither hold nor take over runs safely", e);
            position = -1;
        }
    }

    /** At most twice a second: can the reader reach the broker? (A poll returns nothing either way.) */
    private void probeBroker(KafkaConsumer<byte[], byte[]> c, TopicPartition tp) {
        long now = System.nanoTime();
        if (now - lastProbeNanos < PROBE_EVERY.toNanos()) {
            return;
        }
        lastProbeNanos = now;
        try {
            c.endOffsets(List.of(tp), PROBE_TIMEOUT);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            brokerUnreachableNanos = System.nanoTime();
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) {
            DeadLetters.send(producer, r, new WireFormatException("lease record without a run id key"));
            return;
        }
        String runId = new String(r.key(), StandardCharsets.UTF_8);
        if (r.value() == null) {
            table.remove(runId);
            return;
        }
        RunLease lease;
        try {
            lease = RunLease.decode(r.value());
        } catch (WireFormatException e) {
            DeadLetters.send(producer, r, e);
            return;
        }
        table.compute(runId, (k, cur) -> RunLease.supersedes(cur == null ? null : cur.lease(), cur == null ? 0 : cur.appendMs(),
                lease, r.timestamp()) ? new Entry(lease, r.timestamp(), System.nanoTime()) : cur);
    }

    /** Whether the reader has read everything that was on the topic when this replica started. */
    public boolean caughtUp() {
        return position >= startEnd;
    }

    private boolean awaitPosition(long offset, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (position < offset) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                progress.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    /** The lease of a run as this replica reads it now, if one is held (unreleased). */
    public Optional<RunLease> current(String runId) {
        return Optional.ofNullable(table.get(runId)).map(Entry::lease);
    }

    /** Whether a run's lease is unreleased and was renewed within the TTL (someone is training it). */
    public boolean live(String runId) {
        Entry e = table.get(runId);
        return e != null && System.nanoTime() - e.seenNanos() < ttl.toNanos();
    }

    /**
     * A run held by no replica any more: its lease is unreleased and was not renewed for the TTL, and this process
     * does not hold it. Empty until the reader has caught up with the topic (so a replica that just started judges
     * every lease from a fresh first sight, never from old records read in a burst). Silence is counted from the later
     * of the lease's last record and the last time the broker could not be reached: after an outage every holder gets
     * a full TTL to renew.
     */
    public Optional<RunLease> lost() {
        if (!caughtUp()) {
            return Optional.empty();
        }
        long now = System.nanoTime();
        long reachableSince = brokerUnreachableNanos;
        return table.entrySet().stream()
                .filter(e -> !heldHere.contains(e.getKey())
                        && now - Math.max(e.getValue().seenNanos(), reachableSince) >= ttl.toNanos())
                .min(java.util.Comparator.comparingLong(e -> e.getValue().seenNanos()))
                .map(e -> e.getValue().lease());
    }

    /**
     * Claims a run with the epoch after the one this replica reads now, and waits until the claim is read back: the
     * first claim of that epoch in log order wins.
     *
     * @return the lease if this replica won it, empty if another replica's claim came first or the claim could not be
     *         confirmed within the TTL
     */
    public Optional<Lease> claim(RunSubmitted run, String worker) throws InterruptedException {
        if (!awaitPosition(startEnd, ttl)) {
            LOG.warnf("lease topic not read up to its end within %s: not claiming %s", ttl, run.runId());
            return Optional.empty();
        }
        String runId = run.runId();
        Optional<RunLease> before = current(runId);
        long epoch = before.map(l -> l.epoch() + 1).orElse(1L);
        long sent = System.nanoTime();
        RecordMetadata md;
        try {
            md = producer.lease(new RunLease(runId, worker, epoch, run, ttl.toMillis(), 0, System.currentTimeMillis()));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warnf("could not write the claim on %s: %s", runId, e.getMessage());
            return Optional.empty();
        }
        if (!awaitPosition(md.offset() + 1, ttl)) {
            LOG.warnf("claim on %s not read back within %s", runId, ttl);
            return Optional.empty();
        }
        Optional<RunLease> after = current(runId);
        if (after.isEmpty() || after.get().epoch() != epoch || !after.get().worker().equals(worker)) {
            LOG.infof("%s: another replica's claim came first (%s)", runId, after.map(RunLease::worker).orElse("released"));
            return Optional.empty();
        }
        heldHere.add(runId);
        Lease lease = new Lease(run, worker, epoch, before.map(RunLease::worker).orElse(null), sent);
        lease.start();
        return Optional.of(lease);
    }

    /** Thrown to the training thread when its lease was taken over: it must stop without publishing. */
    public static final class FencedException extends RuntimeException {
        public FencedException(String message) {
            super(message);
        }
    }

    /** A lease this replica holds: renewed by its own heartbeat thread until released or fenced. */
    public final class Lease {

        private final RunSubmitted run;
        private final String worker;
        private final long epoch;
        private final String previousWorker;
        private volatile long validUntilNanos;
        private volatile int step;
        private volatile boolean stopped;
        private Thread beat;

        private Lease(RunSubmitted run, String worker, long epoch, String previousWorker, long claimSentNanos) {
            this.run = run;
            this.worker = worker;
            this.epoch = epoch;
            this.previousWorker = previousWorker;
            this.validUntilNanos = claimSentNanos + validity();
        }

        /** The worker whose lease this one took over; null for a first claim (or one after a release). */
        public String previousWorker() {
            return previousWorker;
        }

        public long epoch() {
            return epoch;
        }

        /** The holder's last completed step, carried in renewals for operators. */
        public void step(int step) {
            this.step = step;
        }

        private long validity() {
            // Margin for clock-rate differences and scheduling: a fifth of the TTL, at least a heartbeat.
            long margin = Math.max(ttl.toNanos() / 5, heartbeat.toNanos());
            return ttl.toNanos() - margin;
        }

        /** Whether a higher epoch (another replica's takeover) has been read for the run. */
        public boolean fenced() {
            Optional<RunLease> now = current(run.runId());
            return now.isPresent() && (now.get().epoch() > epoch || (now.get().epoch() == epoch && !now.get().worker().equals(worker)));
        }

        /**
         * Called before every publication of the run: returns at once while the lease is valid; while it is not, waits
         * for a renewal to be read back ours; throws {@link FencedException} as soon as a takeover is read.
         */
        public void check() {
            boolean told = false;
            while (true) {
                if (fenced()) {
                    throw new FencedException(run.runId() + " was taken over by " + current(run.runId()).map(RunLease::worker).orElse("?")
                            + " (epoch " + current(run.runId()).map(RunLease::epoch).orElse(0L) + " > " + epoch + ")");
                }
                if (System.nanoTime() < validUntilNanos) {
                    return;
                }
                if (!told) {
                    told = true;
                    LOG.warnf("%s: lease not renewed within %s; holding back publication until a renewal is read back", run.runId(), ttl);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FencedException("interrupted while waiting for the lease on " + run.runId());
                }
            }
        }

        private void start() {
            beat = new Thread(this::renew, "lease-" + run.runId());
            beat.setDaemon(true);
            beat.start();
        }

        private void renew() {
            while (!stopped && !fenced()) {
                try {
                    Thread.sleep(heartbeat.toMillis());
                    if (stopped) {
                        return;
                    }
                    long sent = System.nanoTime();
                    RecordMetadata md = producer.lease(new RunLease(run.runId(), worker, epoch, run, ttl.toMillis(), step, System.currentTimeMillis()));
                    if (awaitPosition(md.offset() + 1, ttl) && !fenced()) {
                        validUntilNanos = Math.max(validUntilNanos, sent + validity());
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    LOG.warnf("%s: lease renewal failed: %s", run.runId(), e.getMessage());
                }
            }
            if (fenced()) {
                LOG.warnf("%s: fenced, another replica took the run over", run.runId());
            }
        }

        /** Stops renewing and, unless fenced, releases the lease: the run is over (its terminal event is out). */
        public void release() {
            stopRenewing();
            heldHere.remove(run.runId());
            if (fenced()) {
                return;
            }
            try {
                producer.releaseLease(run.runId());
            } catch (Exception e) {
                LOG.warnf("%s: could not release the lease (another replica may resume the ended run): %s", run.runId(), e.getMessage());
            }
        }

        /** Stops renewing without releasing: the run is not ours any more. */
        public void abandon() {
            stopRenewing();
            heldHere.remove(run.runId());
        }

        private void stopRenewing() {
            stopped = true;
            if (beat != null) {
                beat.interrupt();
                try {
                    beat.join(15_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
