package dev.preflight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.cli.stack.StackState;
import dev.preflight.ladder.GatewayClient;
import dev.preflight.report.Chromium;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.DataFaults;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code preflight up} end to end, as a user drives it: {@code up} in its own process; the live page open in headless
 * Chromium (no console error; a run submitted after it opened appears and its curve gains points while it trains,
 * ending with exactly the gateway's steps; its kill button, with the API key typed in, kills a run); two {@code preflight run}s that use the stack (no broker of their own, no
 * process started by them); {@code up} killed with SIGKILL and started again on the same directory (the history and
 * the topics are still there, and what the killed one left running is stopped); {@code down} (every process of the
 * stack gone, by pid, and the state file).
 *
 * <p>Several minutes: tag "stack", run with {@code -Pdrills} (needs the packaged services and chromium on the PATH).
 */
@Tag("stack")
class UpTest {

    private static final Path HOME = Path.of(System.getProperty("preflight.home", "..")).toAbsolutePath().normalize();
    private static final Path OUT = outDir();
    private static final Duration UP_TIMEOUT = Duration.ofMinutes(5);
    private static final List<Process> started = new ArrayList<>();

    @AfterAll
    static void cleanUp() {
        // Whatever an assertion left running: the stack's processes by the state file, then the up processes.
        StackState.read(OUT).ifPresent(s -> s.stopSurvivors(Duration.ofSeconds(20)));
        started.forEach(p -> p.destroyForcibly());
    }

    /** {@code preflight up} as its own JVM (this test's classpath); returns once its state file is written. */
    private static Process up(String name) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), PreflightCli.class.getName(),
                "up", "--out", OUT.toString(), "--trainers", "1", "--home", HOME.toString())
                .redirectErrorStream(true).redirectOutput(OUT.resolve(name + ".log").toFile()).start();
        started.add(p);
        long deadline = System.nanoTime() + UP_TIMEOUT.toNanos();
        while (StackState.read(OUT).map(s -> s.pid() != p.pid()).orElse(true)) {
            assertTrue(p.isAlive(), name + " exited " + exitOf(p) + ":\n" + Files.readString(OUT.resolve(name + ".log")));
            assertTrue(System.nanoTime() < deadline, name + " not up after " + UP_TIMEOUT);
            Thread.sleep(250);
        }
        return p;
    }

    private static String exitOf(Process p) {
        return p.isAlive() ? "(running)" : String.valueOf(p.exitValue());
    }

    private static int cli(ByteArrayOutputStream captured, String... args) {
        PrintStream out = System.out;
        System.setOut(new PrintStream(new TeeStream(out, captured), true));
        try {
            return PreflightCli.execute(args);
        } finally {
            System.setOut(out);
        }
    }

    @Test
    void upRunsTwiceOnOneStackSurvivesASigkillAndDownLeavesNothing() throws Exception {
        Process up1 = up("up-1");
        StackState first = StackState.read(OUT).orElseThrow();
        Set<String> names = first.processes().stream().map(StackState.Proc::name).collect(Collectors.toSet());
        assertEquals(Set.of("kafka", "data-service", "metrics-gateway", "eval-service", "trainer-1"), names);
        for (StackState.Proc p : first.processes()) {
            assertEquals(up1.pid(), ProcessHandle.of(p.pid()).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L),
                    p.name() + " is a child of up");
        }
        assertTrue(Files.getPosixFilePermissions(StackState.file(OUT)).stream().noneMatch(x -> x.name().startsWith("GROUP")
                || x.name().startsWith("OTHERS")), "the state file holds the API key: owner only");
        GatewayClient gateway = new GatewayClient(first.gateway(), first.apiKey());

        // The live page, opened before the run it must show.
        String liveRun;
        try (Chromium browser = Chromium.start()) {
            String page = browser.newPage();
            browser.call(page, "Page.navigate", Chromium.params().put("url", first.gateway() + "/"));
            await("the live page is connected", Duration.ofSeconds(30),
                    () -> "live".equals(browser.eval(page, "(document.getElementById('connection') || {}).textContent").asText()));
            // The data-service's delay fault paces the stream (40 ms a batch): the run trains for 16 s at least.
            liveRun = gateway.submit(new RunSpec("shapes", new DataConfig(7L, 0, 32, 0.2, null, null, null, new DataFaults(null, 40)),
                    new ModelConfig("mlp", 7L, 1e-3, List.of(32)), 400, 20));
            String steps = "window.preflightLive.trainSteps('" + liveRun + "').length";
            await("the new run is drawn", Duration.ofSeconds(60), () -> browser.eval(page,
                    "window.preflightLive.followed().indexOf('" + liveRun + "') >= 0 && " + steps + " > 0").asBoolean());
            int early = browser.eval(page, steps).asInt();
            await("its curve gains points while it trains", Duration.ofSeconds(120), () -> browser.eval(page, steps).asInt() > early
                    && "RUNNING".equals(gateway.run(liveRun).path("state").asText()));
            await("the run ends", Duration.ofMinutes(5), () -> gateway.run(liveRun).path("state").asText().equals("FINISHED"));
            await("the page holds every step", Duration.ofSeconds(30), () -> browser.eval(page, steps).asInt() == 400);
            JsonNode drawn = browser.eval(page, "window.preflightLive.trainSteps('" + liveRun + "')");
            for (int i = 0; i < 400; i++) {
                assertEquals(i + 1, drawn.get(i).asInt(), "step " + (i + 1) + ", once");
            }
            assertTrue(browser.eval(page, "document.querySelector('#runs tr[data-run=\"" + liveRun + "\"]') !== null").asBoolean());

            // The kill button, with the API key typed into the page: a long run ends KILLED with the page's reason.
            String doomed = gateway.submit(new RunSpec("shapes", new DataConfig(8L, 0, 32, 0.2, null, null, null, new DataFaults(null, 40)),
                    new ModelConfig("mlp", 8L, 1e-3, List.of(32)), 100_000, 50));
            String button = "document.querySelector('#runs tr[data-run=\"" + doomed + "\"] button[data-field=\"kill\"]')";
            await("a kill button for the long run", Duration.ofSeconds(30),
                    () -> browser.eval(page, "!!" + button + " && !" + button + ".hidden").asBoolean());
            browser.eval(page, "(function () { var k = document.getElementById('api-key'); k.value = '" + first.apiKey() + "';"
                    + " k.dispatchEvent(new Event('change')); " + button + ".click(); return true; })()");
            await("the long run is killed", Duration.ofSeconds(60), () -> gateway.run(doomed).path("state").asText().equals("KILLED"));
            assertTrue(gateway.run(doomed).path("message").asText().contains("killed from the live page"), gateway.run(doomed).toString());
            assertEquals("", browser.eval(page, "document.getElementById('preflight-errors').textContent").asText());
            assertEquals(List.of(), browser.problems(page), "console and log errors of the live page");
        }

        // Two ladders through the CLI: both use this stack; neither starts a broker or any process.
        Set<Long> childrenBefore = children();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 2; i++) {
            assertEquals(0, cli(out, "run", "--out", OUT.toString(), "--dataset", "shapes", "--model", "mlp", "--seed", String.valueOf(11 + i),
                    "--stages", "init-check"), out.toString());
            assertEquals(childrenBefore, children(), "run " + (i + 1) + " started no process");
        }
        String printed = out.toString();
        assertEquals(2, printed.split("using the stack 'preflight up' runs", -1).length - 1, printed);
        assertFalse(printed.contains("starting Kafka"), printed);
        List<JsonNode> experiments = new ArrayList<>();
        gateway.runs().forEach(r -> {
            if (r.hasNonNull("experiment")) {
                experiments.add(r);
            }
        });
        assertEquals(2, experiments.stream().map(r -> r.path("experiment").asText()).distinct().count(), "both ladders' runs: " + experiments);
        Map<String, Integer> stepsBefore = steps(gateway);

        // SIGKILL up: its services outlive it; the next up on the same directory stops them and finds everything.
        up1.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        Process up2 = up("up-2");
        for (StackState.Proc p : first.processes()) {
            assertTrue(p.handle().isEmpty(), p.name() + " of the killed up still runs");
        }
        StackState second = StackState.read(OUT).orElseThrow();
        assertTrue(Files.readString(OUT.resolve("up-2.log")).contains("the previous 'preflight up'"));
        GatewayClient gateway2 = new GatewayClient(second.gateway(), second.apiKey());
        await("the history is rebuilt from Kafka", Duration.ofSeconds(60), () -> steps(gateway2).equals(stepsBefore));
        assertEquals(400, gateway2.history(liveRun).train().size());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", second.kafka()))) {
            Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertTrue(topics.contains(Topics.batches(liveRun)) && topics.contains(Topics.TRAIN_METRICS), "topics: " + topics);
        }

        // down: up stops everything; no process of the stack is left, and no state file.
        assertEquals(0, cli(new ByteArrayOutputStream(), "down", "--out", OUT.toString()));
        assertTrue(up2.waitFor(10, TimeUnit.SECONDS), "up exited");
        for (StackState.Proc p : second.processes()) {
            assertFalse(ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false), p.name() + " (pid " + p.pid() + ") left behind");
        }
        assertFalse(Files.exists(StackState.file(OUT)));
        assertEquals(Set.of(), children(), "nothing of this test's left running");
    }

    private static Set<Long> children() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(h -> started.stream().noneMatch(p -> p.pid() == h.pid()))
                .filter(h -> h.info().command().map(c -> !c.contains("chrom")).orElse(true))
                .map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /** Run id → highest train step, as the gateway reports. */
    private static Map<String, Integer> steps(GatewayClient gateway) {
        Map<String, Integer> steps = new java.util.TreeMap<>();
        gateway.runs().forEach(r -> steps.put(r.path("runId").asText(), r.path("step").asInt(-1)));
        return steps;
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static void await(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.ok()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting: " + what);
            Thread.sleep(250);
        }
    }

    /** A fresh directory per run of the test: the stack's Kafka storage must start empty. */
    private static Path outDir() {
        try {
            Files.createDirectories(Path.of("target"));
            return Files.createTempDirectory(Path.of("target").toAbsolutePath(), "up-test-");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Writes to the console and to a buffer. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
