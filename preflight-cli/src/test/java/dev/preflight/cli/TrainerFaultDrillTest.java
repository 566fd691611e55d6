package dev.preflight.cli;

import dev.preflight.cli.stack.LocalStack;
import dev.preflight.ladder.GatewayClient;
import dev.preflight.ladder.RunWatcher;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.DataFaults;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.Topics;
import dev.preflight.wire.TrainStep;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault drills on the trainers, with the packaged services and a real broker: two trainer replicas, a run of a few
 * hundred steps, and the replica holding it killed with {@code kill -9} (or frozen with SIGSTOP, the shape of a
 * network partition or a long GC pause) at a random step. The other replica must resume the run from its last
 * checkpoint within 30 s with the trainers' default lease settings; the history must hold every step exactly once,
 * every copy of a replayed step must be bit-identical, and the loss curve must equal, bit for bit, an undisturbed run
 * with the same seeds. A frozen replica that wakes after its lease expired must publish nothing more.
 *
 * <p>The default suite drills one seed each way; {@code drillsThreeSeeds} (tag {@code drill-ci}) runs in CI only.
 */
class TrainerFaultDrillTest {

    static final int STEPS = 300;
    static final Duration RESUME_TARGET = Duration.ofSeconds(30);
    static final Duration OUTAGE = Duration.ofSeconds(10);

    static LocalStack stack;
    static GatewayClient gateway;
    static final HttpClient http = HttpClient.newHttpClient();
    static final List<String> table = new ArrayList<>();

    @BeforeAll
    static void startStack() {
        Path home = Path.of(System.getProperty("preflight.home", ".."));
        // The broker as its own process, so the broker-outage drill can stop it and start it again on its storage.
        stack = LocalStack.startWithBrokerProcess(home, Path.of("target/fault-drill-test"), 2, System.out::println);
        gateway = stack.gateway();
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
        System.out.println("\nFault drills (" + STEPS + " steps, checkpoint every 50, two trainer replicas, default lease settings;"
                + " curve: bit for bit against an undisturbed run with the same seeds)");
        System.out.println(Row.HEADER);
        table.forEach(System.out::println);
    }

    /**
     * One line of the drill table. Steps lost / duplicated: in the gateway's history. Replayed: copies of steps on the
     * train-metrics topic beyond the first (a takeover replays from the checkpoint; bit-identical or not). Events lost:
     * train steps missing from the topic plus lifecycle events (STARTED, FINISHED, and RESUMED after a takeover)
     * missing from {@code preflight.run-events}. Late: records the replaced (or restarted) replica published for the run
     * after the takeover.
     */
    record Row(String drill, long seed, String killStep, String recovered, int lost, int duplicated, String replayed,
               boolean identical, int eventsLost, String late) {
        static final String HEADER = String.format(Locale.ROOT, "%-16s %-5s %-10s %-24s %-5s %-10s %-16s %-15s %-11s %s",
                "drill", "seed", "kill step", "time to RESUMED/recovered", "lost", "duplicated", "replayed (equal)",
                "curve identical", "events lost", "late from old");

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-16s %-5d %-10s %-24s %-5d %-10d %-16s %-15s %-11d %s", drill, seed, killStep,
                    recovered, lost, duplicated, replayed, identical ? "yes" : "NO", eventsLost, late);
        }
    }

    static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    enum Fault { KILL9, SIGSTOP }

    @Test
    void killedTrainerRunResumesOnTheOtherReplica() throws Exception {
        drill(11L, Fault.KILL9);
    }

    @Test
    void frozenTrainerIsFencedAndPublishesNothingAfterTheTakeover() throws Exception {
        drill(11L, Fault.SIGSTOP);
    }

    @Test
    @Tag("drill-ci")
    void drillsThreeSeeds() throws Exception {
        for (long seed : new long[]{21L, 22L, 23L}) {
            drill(seed, Fault.KILL9);
        }
    }

    /**
     * The data-service killed with kill -9 mid-stream and started again: the restarted service resumes the stream at
     * its topic's end (paced by the trainer's committed offset), so every offset holds exactly one batch, batch i at
     * offset i, and the run finishes with the undisturbed run's curve. The restarted service gets the run partitions
     * once the killed one's consumer-group membership expires: after 10 s here (the module's surefire configuration
     * sets the test stacks' session timeout), after Kafka's default 45 s with the product's settings.
     */
    @Test
    void dataServiceKilledMidStreamResumesTheStream() throws Exception {
        long seed = 11L;
        RunWatcher watcher = new RunWatcher(gateway);
        double[] expected = reference(seed);

        String runId = gateway.submit(spec(seed, 25));
        awaitHolderAtStep(runId, 80);
        stack.killHard("data-service");
        long killedAt = System.currentTimeMillis();
        Thread.sleep(2_000);
        stack.restart("data-service");
        long downMs = System.currentTimeMillis() - killedAt;

        RunWatcher.Finished done = watcher.await(runId, STEPS, Duration.ofMinutes(3), p -> { });
        assertEquals("FINISHED", done.state(), done.message());
        List<TrainStep> history = done.history().train();
        boolean identical = identical(history, expected);
        int records = 0;
        int misplaced = 0;
        try (KafkaConsumer<byte[], byte[]> c = consumer()) {
            var tp = new org.apache.kafka.common.TopicPartition(Topics.batches(runId), 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    records++;
                    if (dev.preflight.wire.BatchCodec.decode(r.value()).index() != r.offset()) {
                        misplaced++;
                    }
                }
            }
        }
        Raw raw = readRaw(runId);
        table.add(new Row("data-svc kill", seed, "~80", "down " + seconds(downMs), STEPS - history.size(), 0,
                raw.replayed + " (" + (raw.replayedIdentical ? "yes" : "NO") + ")", identical, raw.eventsLost(STEPS, false),
                "batches " + records + "/" + STEPS + ", " + misplaced + " misplaced").toString());
        assertEquals(STEPS, records, "exactly one batch per offset: nothing produced twice, nothing missing");
        assertEquals(0, misplaced, "batch i at offset i");
        assertTrue(identical, "the loss curve equals the undisturbed run's, bit for bit");
    }

    /**
     * The gateway killed with kill -9 mid-run, while an experiment climbs on it, and started again: the run never needed
     * the gateway and finishes with every step once in the rebuilt history and the undisturbed run's curve; the
     * experiment comes back from {@code preflight.experiments} INTERRUPTED at the stage it was climbing.
     */
    @Test
    void gatewayKilledMidRunRebuildsTheRunAndMarksItsExperimentInterrupted() throws Exception {
        long seed = 11L;
        double[] expected = reference(seed);
        String runId = gateway.submit(spec(seed, 25));
        awaitHolderAtStep(runId, 60);
        String experimentId = startExperiment(seed);
        // Its first (and only) stage's run is on the queue: the ladder is climbing, not done.
        await(() -> experimentRuns(experimentId) > 0, Duration.ofSeconds(60), "the experiment submitted its run");
        int killStep = gateway.status(runId).step();
        stack.killHard("metrics-gateway");
        long killedAt = System.currentTimeMillis();
        stack.restart("metrics-gateway");
        // Recovered: the restarted gateway knows the run again, at or past where the old one saw it.
        await(() -> {
            try {
                return gateway.status(runId).step() >= killStep;
            } catch (RuntimeException e) {
                return false;
            }
        }, Duration.ofSeconds(60), "the restarted gateway rebuilt " + runId);
        long recoveredMs = System.currentTimeMillis() - killedAt;

        Finish f = finish(runId, expected);

        String[] experiment = new String[1];
        await(() -> {
            experiment[0] = get("/api/experiments/" + experimentId);
            return experiment[0].contains("\"state\":\"INTERRUPTED\"");
        }, Duration.ofSeconds(30), "the experiment is marked INTERRUPTED");
        table.add(f.row("gateway kill", seed, String.valueOf(killStep), "rebuilt " + seconds(recoveredMs), false,
                "experiment INTERRUPTED"));
        f.assertExactlyOnceAndIdentical(false);
        assertTrue(experiment[0].contains("\"stage\":\"overfit-one-sample\""), experiment[0]);
        assertTrue(experiment[0].contains("stopped while climbing stage 'overfit-one-sample'"), experiment[0]);
    }

    /**
     * The broker stopped (SIGTERM, its controlled shutdown) for 10 s mid-run and started again on its storage: every
     * service reconnects by itself (nothing is restarted), the run finishes with every step once in the history and
     * the undisturbed run's curve, no train step or lifecycle event is missing from the topics, no replica takes the run
     * over (lease silence is counted from the broker's return) and no step is on the topic twice: the producers are
     * idempotent, so a send retried across the outage is written once.
     */
    @Test
    @Tag("drill-ci")
    void brokerStoppedForTenSecondsMidRunLosesAndDuplicatesNothing() throws Exception {
        long seed = 11L;
        double[] expected = reference(seed);
        String runId = gateway.submit(spec(seed, 25));
        awaitHolderAtStep(runId, 100);
        int stopStep = gateway.status(runId).step();
        stack.stopBroker();
        Thread.sleep(OUTAGE.toMillis());
        long restartedAt = System.currentTimeMillis();
        stack.startBroker();
        // Recovered: steps after the outage reach the gateway again.
        await(() -> gateway.status(runId).step() > stopStep + 1, Duration.ofMinutes(2), "steps flow again after the outage");
        long recoveredMs = System.currentTimeMillis() - restartedAt;

        Finish f = finish(runId, expected);
        boolean takenOver = f.raw().events.stream().anyMatch(e -> e.type() == RunEvent.Type.RESUMED);
        table.add(f.row("broker 10 s", seed, String.valueOf(stopStep), "steps again " + seconds(recoveredMs)
                + (takenOver ? ", RESUMED" : ""), takenOver, "-"));
        f.assertExactlyOnceAndIdentical(takenOver);
        // The outage is a pause, not a lost trainer: every replica counts lease silence only from the broker's return.
        assertTrue(!takenOver, "no replica took the run over: the holder renewed its lease after the outage");
        assertEquals(0, f.raw().replayed, "no step written twice by the holder's idempotent producer");
    }

    /** A finished drill run: its history as the gateway holds it and every record of it on the topics. */
    record Finish(List<TrainStep> history, int distinct, boolean identical, Raw raw) {

        String row(String drill, long seed, String killStep, String recovered, boolean resumed, String late) {
            return new Row(drill, seed, killStep, recovered, STEPS - distinct, history.size() - distinct,
                    raw.replayed + " (" + (raw.replayedIdentical ? "yes" : "NO") + ")", identical, raw.eventsLost(STEPS, resumed), late).toString();
        }

        void assertExactlyOnceAndIdentical(boolean resumed) {
            assertEquals(STEPS, distinct, "steps lost");
            assertEquals(STEPS, history.size(), "steps duplicated in the history");
            assertTrue(identical, "the loss curve equals the undisturbed run's, bit for bit");
            assertEquals(0, raw.eventsLost(STEPS, resumed), "train steps or lifecycle events missing from the topics");
            assertTrue(raw.replayedIdentical, "every copy of a step is bit-identical");
        }
    }

    /** Waits until the run is over (it must finish), and gathers what the table and the assertions need. */
    static Finish finish(String runId, double[] expected) {
        RunWatcher.Finished done = new RunWatcher(gateway).await(runId, STEPS, Duration.ofMinutes(3), p -> { });
        assertEquals("FINISHED", done.state(), done.message());
        List<TrainStep> history = done.history().train();
        return new Finish(history, (int) history.stream().mapToInt(TrainStep::step).distinct().count(), identical(history, expected),
                readRaw(runId));
    }

    /** Starts a one-stage experiment (overfit-one-sample) on the gateway; returns its id. */
    static String startExperiment(long seed) throws Exception {
        String body = "{\"dataset\":\"shapes\",\"model\":{\"type\":\"mlp\",\"seed\":" + seed
                + ",\"learningRate\":0.003,\"hiddenUnits\":[32]},\"stages\":[\"overfit-one-sample\"],\"seed\":" + seed + "}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(stack.url(dev.preflight.cli.stack.Service.GATEWAY) + "/api/experiments"))
                .header("Content-Type", "application/json").header("X-API-Key", stack.apiKey())
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, r.statusCode(), r.body());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"experimentId\":\"([^\"]+)\"").matcher(r.body());
        assertTrue(m.find(), r.body());
        return m.group(1);
    }

    /** How many runs the gateway lists for the experiment. */
    static int experimentRuns(String experimentId) {
        int n = 0;
        for (var run : gateway.runs()) {
            n += experimentId.equals(run.path("experiment").asText()) ? 1 : 0;
        }
        return n;
    }

    static String get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(stack.url(dev.preflight.cli.stack.Service.GATEWAY) + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    static boolean identical(List<TrainStep> history, double[] expected) {
        boolean identical = history.size() == expected.length;
        for (int i = 0; identical && i < expected.length; i++) {
            identical = history.get(i).step() == i + 1
                    && Double.doubleToRawLongBits(history.get(i).loss()) == Double.doubleToRawLongBits(expected[i]);
        }
        return identical;
    }

    static final Map<Long, double[]> references = new java.util.concurrent.ConcurrentHashMap<>();

    /** The undisturbed run's losses: same seeds, no fault, no delay (the delay only paces the data-service). */
    static double[] reference(long seed) {
        return references.computeIfAbsent(seed, s -> {
            String reference = gateway.submit(spec(s, 0));
            double[] losses = new RunWatcher(gateway).await(reference, STEPS, Duration.ofMinutes(3), p -> { }).history().trainLosses();
            assertEquals(STEPS, losses.length);
            return losses;
        });
    }

    static RunSpec spec(long seed, int delayMs) {
        DataConfig data = new DataConfig(seed, 64, 16, 0.2);
        if (delayMs > 0) {
            data = data.withFaults(new DataFaults(null, delayMs));
        }
        ModelConfig model = new ModelConfig("mlp", seed, 3e-3, List.of(32));
        return new RunSpec("shapes", data, model, STEPS, 50, 50, null, null);
    }

    void drill(long seed, Fault fault) throws Exception {
        RunWatcher watcher = new RunWatcher(gateway);
        double[] expected = reference(seed);

        // Paced at 25 ms a batch so there is time to strike mid-run.
        String runId = gateway.submit(spec(seed, 25));
        int killAt = 60 + new SplittableRandom(seed * 31 + fault.ordinal()).nextInt(140);
        String holder = awaitHolderAtStep(runId, killAt);
        long struckAtMs = System.currentTimeMillis();
        Process victim = stack.process(holder);
        String victimWorker = holder + "-" + victim.pid();
        if (fault == Fault.KILL9) {
            stack.killHard(holder);
        } else {
            signal(victim, "STOP");
        }

        RunEvent resumed = awaitResumed(runId, Duration.ofSeconds(90));
        long toResumedMs = resumed.atMs() - struckAtMs;
        assertEquals(victimWorker, resumed.previousWorker(), "RESUMED names the lost worker: " + resumed);
        assertTrue(!victimWorker.equals(resumed.worker()), "and a new one: " + resumed);
        assertTrue(resumed.step() % 50 == 0, "resumed from a checkpoint step: " + resumed);

        if (fault == Fault.KILL9) {
            // Back after its lease expired: a fresh process that must leave the run alone.
            stack.restart(holder);
        } else {
            signal(victim, "CONT");
        }

        RunWatcher.Finished done = watcher.await(runId, STEPS, Duration.ofMinutes(3), p -> { });
        assertEquals("FINISHED", done.state(), done.message());
        List<TrainStep> history = done.history().train();
        long distinct = history.stream().mapToInt(TrainStep::step).distinct().count();
        int lost = STEPS - (int) distinct;
        int duplicated = history.size() - (int) distinct;
        boolean identical = identical(history, expected);

        // Every copy on the topic: replayed steps bit-identical, and who published what, when.
        Raw raw = readRaw(runId);
        int killStep = raw.lastStepBy(victimWorker, resumed.atMs());
        long lateFromVictim = raw.recordsBy(victimWorker).stream().filter(r -> r.timestamp() > resumed.atMs()).count();
        long eventsFromVictimAfter = raw.events.stream()
                .filter(e -> victimWorker.equals(e.worker()) && e.atMs() > resumed.atMs()).count();
        String restartedWorker = holder + "-" + stack.process(holder).pid();
        long fromRestarted = fault == Fault.KILL9 ? raw.recordsBy(restartedWorker).size() : 0;

        table.add(new Row("trainer " + (fault == Fault.KILL9 ? "kill -9" : "SIGSTOP"), seed, String.valueOf(killStep),
                "RESUMED " + seconds(toResumedMs), lost, duplicated, raw.replayed + " (" + (raw.replayedIdentical ? "yes" : "NO") + ")",
                identical, raw.eventsLost(STEPS, true), String.valueOf(lateFromVictim + eventsFromVictimAfter + fromRestarted)).toString());

        assertTrue(toResumedMs <= RESUME_TARGET.toMillis(), "RESUMED " + toResumedMs + " ms after the " + fault);
        assertEquals(0, lost, "steps lost");
        assertEquals(0, duplicated, "steps duplicated in the history");
        assertTrue(raw.replayedIdentical, "every copy of a replayed step is bit-identical");
        assertTrue(identical, "the loss curve equals the undisturbed run's, bit for bit");
        assertTrue(killStep >= killAt, "the fault hit at or after step " + killAt + ": " + killStep);
        assertEquals(0, lateFromVictim, "train steps published by the lost replica after the takeover");
        assertEquals(0, eventsFromVictimAfter, "run events published by the lost replica after the takeover");
        assertEquals(0, fromRestarted, "train steps published by the restarted replica for this run");
        if (fault == Fault.SIGSTOP) {
            Path log = stack.logs().resolve(holder + ".log");
            await(() -> Files.readString(log).contains("stopped at step"), Duration.ofSeconds(30),
                    "the woken replica logs that it was fenced");
        }
    }

    /** Waits until the gateway shows the run at {@code step} or later, and returns the replica training it. */
    static String awaitHolderAtStep(String runId, int step) {
        // Polled every 20 ms: the drills strike at this step, so it must not run far past it unseen.
        return Awaitility.await(runId + " at step " + step + " on a replica").atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(20)).until(() -> gateway.status(runId).step() >= step ? holder(runId) : null, java.util.Objects::nonNull);
    }

    /** The trainer replica whose /api/trainer lists the run, or null. */
    static String holder(String runId) throws Exception {
        for (String t : stack.trainers()) {
            String body = http.send(HttpRequest.newBuilder(URI.create(stack.url(t) + "/api/trainer")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (body.contains("\"" + runId + "\"")) {
                return t;
            }
        }
        return null;
    }

    static void signal(Process p, String signal) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).start().waitFor());
    }

    static KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", stack.bootstrapServers(), "group.id", "drill-" + UUID.randomUUID(),
                "auto.offset.reset", "earliest", "enable.auto.commit", false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static RunEvent awaitResumed(String runId, Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> c = consumer()) {
            c.subscribe(List.of(Topics.RUN_EVENTS));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    RunEvent e = RunEvent.decode(r.value());
                    if (e.runId().equals(runId) && e.type() == RunEvent.Type.RESUMED) {
                        return e;
                    }
                }
            }
        }
        throw new AssertionError("no RESUMED event for " + runId + " within " + timeout);
    }

    /** Every train-metrics record and run event of a run, as on the topics. */
    static final class Raw {
        final List<ConsumerRecord<byte[], byte[]>> steps = new ArrayList<>();
        final List<RunEvent> events = new ArrayList<>();
        int replayed;
        boolean replayedIdentical = true;

        /** Train steps 1..steps missing from the topic, plus STARTED, FINISHED (and RESUMED) missing from the events. */
        int eventsLost(int steps, boolean resumed) {
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            steps().forEach(st -> seen.add(st.step()));
            int lost = 0;
            for (int i = 1; i <= steps; i++) {
                lost += seen.contains(i) ? 0 : 1;
            }
            java.util.Set<RunEvent.Type> types = new java.util.HashSet<>();
            events.forEach(e -> types.add(e.type()));
            lost += types.contains(RunEvent.Type.STARTED) ? 0 : 1;
            lost += types.contains(RunEvent.Type.FINISHED) ? 0 : 1;
            lost += !resumed || types.contains(RunEvent.Type.RESUMED) ? 0 : 1;
            return lost;
        }

        List<TrainStep> steps() {
            return this.steps.stream().map(r -> TrainStep.decode(r.value())).toList();
        }

        List<ConsumerRecord<byte[], byte[]>> recordsBy(String worker) {
            return steps.stream().filter(r -> worker.equals(worker(r))).toList();
        }

        int lastStepBy(String worker, long beforeMs) {
            return recordsBy(worker).stream().filter(r -> r.timestamp() <= beforeMs)
                    .mapToInt(r -> TrainStep.decode(r.value()).step()).max().orElse(0);
        }

        static String worker(ConsumerRecord<byte[], byte[]> r) {
            var h = r.headers().lastHeader("preflight-worker");
            return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    }

    static Raw readRaw(String runId) {
        Raw raw = new Raw();
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        try (KafkaConsumer<byte[], byte[]> c = consumer()) {
            c.subscribe(List.of(Topics.TRAIN_METRICS, Topics.RUN_EVENTS));
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < Duration.ofSeconds(3).toNanos()) {
                var records = c.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    quietSince = System.nanoTime();
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (!java.util.Arrays.equals(key, r.key())) {
                        continue;
                    }
                    if (r.topic().equals(Topics.TRAIN_METRICS)) {
                        raw.steps.add(r);
                    } else {
                        raw.events.add(RunEvent.decode(r.value()));
                    }
                }
            }
        }
        TreeMap<Integer, List<Double>> byStep = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : raw.steps) {
            TrainStep s = TrainStep.decode(r.value());
            byStep.computeIfAbsent(s.step(), k -> new ArrayList<>()).add(s.loss());
        }
        for (List<Double> copies : byStep.values()) {
            raw.replayed += copies.size() - 1;
            for (double l : copies) {
                raw.replayedIdentical &= Double.doubleToRawLongBits(l) == Double.doubleToRawLongBits(copies.get(0));
            }
        }
        return raw;
    }

    /** Polls {@code check} every 200 ms until it holds; fails naming {@code what} after {@code timeout}. */
    static void await(Callable<Boolean> check, Duration timeout, String what) {
        Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofMillis(200)).until(check);
    }
}
