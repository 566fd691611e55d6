package dev.preflight.cli.stack;

import dev.preflight.kafka.Broker;
import dev.preflight.kafka.KafkaProcess;
import dev.preflight.kafka.LocalKafka;
import dev.preflight.kafka.LocalPorts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Level;

/**
 * Preflight on a laptop with no Docker: a real Kafka broker and each service as a child process running its packaged
 * Quarkus app, on free ports, logging to {@code <out>/logs}. The broker is either inside this JVM with fresh storage
 * ({@link #start}: one command's stack) or its own process with its storage under {@code <out>/kafka}
 * ({@link #startPersistent}: {@code preflight up}, whose topics and history survive a restart). Closing it stops the
 * services (SIGTERM, then kill after a grace period) and then the broker.
 */
public final class LocalStack implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    private final Path home;
    private final Path logs;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<Service, Integer> ports = new EnumMap<>(Service.class);
    private final List<Child> children = new ArrayList<>();
    private Broker kafka;
    /** A broker in its own process with storage under {@code <out>/kafka}, and a dataset registry that outlives the stack. */
    private final boolean persistent;
    /** The broker runs as its own process ({@link KafkaProcess}, storage under {@code <out>/kafka}): up and the fault drills. */
    private boolean brokerAsProcess;
    private Thread shutdownHook;
    private Path dataRoot;
    /** The API key of this stack's gateway and data-service: random per start, known only to this process and them. */
    private final String apiKey = java.util.HexFormat.of().formatHex(java.security.SecureRandom.getSeed(16));
    /** Everything the stack writes goes under here: logs, the data root, exported models, TensorBoard files. */
    private Path out;

    /** A launched service process, its log and the port its health endpoint answers on. */
    private record Child(String name, Service service, Map<String, String> env, Process process, Path log, int port) {
    }

    /**
     * One running process of the stack: its name ({@code kafka}, {@code trainer-1}, ...), the service it runs (null
     * for Kafka), pid and base URL (null for Kafka).
     */
    public record Member(String name, Service service, long pid, String url) {
    }

    private LocalStack(Path home, Path logs, boolean persistent) {
        this.home = home;
        this.logs = logs;
        this.persistent = persistent;
    }

    /**
     * @param home     the Preflight checkout, where each service's {@code target/quarkus-app} lives
     * @param out      where logs go
     * @param trainers trainer replicas to start (each takes one run at a time from the queue)
     * @param say      progress messages for the user
     */
    public static LocalStack start(Path home, Path out, int trainers, Consumer<String> say) {
        return start(home, out, trainers, null, say);
    }

    /** @param dataRoot the data-service's data root (datasets are registered by paths under it); null: its default */
    public static LocalStack start(Path home, Path out, int trainers, Path dataRoot, Consumer<String> say) {
        return start(home, out, trainers, dataRoot, false, false, say);
    }

    /**
     * A stack that stays: the broker runs as its own process ({@link KafkaProcess}) with its storage under
     * {@code <out>/kafka}, reused by the next start, and datasets registered with it stay registered
     * (on the broker's compacted {@code preflight.datasets}, under {@code <out>/kafka}). What {@code preflight up} runs.
     *
     * @param dataRoot the data-service's data root; null: {@code <out>/data}
     */
    public static LocalStack startPersistent(Path home, Path out, int trainers, Path dataRoot, Consumer<String> say) {
        return start(home, out, trainers, dataRoot, true, true, say);
    }

    /**
     * As {@link #start(Path, Path, int, Consumer)}, with the broker as its own process ({@link KafkaProcess}, fresh
     * storage under {@code <out>/kafka}), which {@link #stopBroker()} and {@link #startBroker()} stop and start again:
     * the broker-outage drill.
     */
    public static LocalStack startWithBrokerProcess(Path home, Path out, int trainers, Consumer<String> say) {
        return start(home, out, trainers, null, false, true, say);
    }

    private static LocalStack start(Path home, Path out, int trainers, Path dataRoot, boolean persistent, boolean brokerAsProcess,
                                    Consumer<String> say) {
        LocalStack stack = new LocalStack(home.toAbsolutePath().normalize(), out.resolve("logs"), persistent);
        stack.brokerAsProcess = brokerAsProcess;
        stack.out = out.toAbsolutePath().normalize();
        stack.dataRoot = dataRoot != null ? dataRoot : stack.out.resolve("data");
        try {
            stack.doStart(trainers, say);
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void doStart(int trainers, Consumer<String> say) {
        for (Service s : Service.values()) {
            Path jar = appJar(s);
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: build first with ./mvnw -DskipTests package");
            }
        }
        try {
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + logs, e);
        }
        shutdownHook = new Thread(this::close, "local-stack-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        quietKafkaLogging();
        Path dir = out.resolve("kafka");
        say.accept(brokerAsProcess ? "starting Kafka (KRaft, its own process; data: " + dir + ")" : "starting Kafka (KRaft, in-process)");
        // The broker's storage formatter prints to stdout, which belongs to the user (its last line is the report).
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            if (brokerAsProcess) {
                if (!persistent) {
                    // A fresh cluster per drill stack, as LocalKafka's: an earlier stack's unreleased leases and queued
                    // runs would otherwise be taken up by these trainers. up keeps its storage on purpose.
                    deleteTree(dir);
                }
                kafka = KafkaProcess.start(dir, 0);
            } else {
                kafka = LocalKafka.start();
            }
        } finally {
            System.setOut(stdout);
        }

        for (Service s : Service.values()) {
            ports.put(s, LocalPorts.free());
        }
        try {
            Files.createDirectories(dataRoot);
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare the data root " + dataRoot, e);
        }
        // Registrations live on this stack's own broker (preflight.datasets), so they end with the command. Decoded-
        // sample stores are kept under --out, never in the (possibly someone else's) dataset directory, and outlive
        // the stack: the next command with the same --out maps them instead of decoding the files again.
        // The same API key as the gateway's: one secret for the stack, as a user holding PREFLIGHT_API_KEY expects.
        launch(Service.DATA, "data-service", ports.get(Service.DATA), Map.of(
                "PREFLIGHT_DATA_ROOT", dataRoot.toAbsolutePath().normalize().toString(),
                "PREFLIGHT_DATA_STORE_DIR", out.resolve("store").toAbsolutePath().normalize().toString(),
                "PREFLIGHT_DATA_API_KEY", apiKey));
        launch(Service.GATEWAY, "metrics-gateway", ports.get(Service.GATEWAY), Map.of(
                "PREFLIGHT_GATEWAY_API_KEY", apiKey,
                "PREFLIGHT_GATEWAY_DATA_SERVICE_URL", "http://localhost:" + ports.get(Service.DATA),
                "PREFLIGHT_GATEWAY_TENSORBOARD_DIR", out.resolve("tensorboard").toString()));
        // One machine for every service: each TensorFlow session gets its share of the cores (spinning stays off, the
        // services' default), so trainers and the eval-service do not starve Kafka and each other.
        String share = String.valueOf(tfThreadsPerSession(trainers));
        launch(Service.EVAL, "eval-service", ports.get(Service.EVAL),
                Map.of("QUARKUS_REST_CLIENT_DATA_SERVICE_URL", "http://localhost:" + ports.get(Service.DATA),
                        "PREFLIGHT_EVAL_TF_THREADS", share));
        for (int i = 1; i <= trainers; i++) {
            launch(Service.TRAINER, "trainer-" + i, i == 1 ? ports.get(Service.TRAINER) : LocalPorts.free(), Map.of(
                    "PREFLIGHT_TRAINER_WORKER_ID", "trainer-" + i, "PREFLIGHT_TRAINER_EXPORT_DIR", exports().toString(),
                    "PREFLIGHT_TRAINER_TF_THREADS", share));
        }
        say.accept("starting data-service, " + trainers + " trainer" + (trainers > 1 ? "s" : "") + ", eval-service, metrics-gateway (logs: " + logs + ")");
        children.forEach(this::awaitReady);
    }

    /**
     * TensorFlow intra-op threads for each trainer and the eval-service of a stack on this one machine: the cores
     * shared out between them, at least 1 (docs/performance.md, "Thread budgets").
     */
    public static int tfThreadsPerSession(int trainers) {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / (trainers + 1));
    }

    private Path appJar(Service s) {
        return home.resolve(s.module).resolve("target/quarkus-app/quarkus-run.jar");
    }

    private void launch(Service service, String name, int port, Map<String, String> env) {
        Path log = logs.resolve(name + ".log");
        if (Files.exists(log)) {
            // A restarted service keeps its earlier log beside the new one.
            try {
                Files.move(log, logs.resolve(name + "." + System.nanoTime() + ".log"));
            } catch (IOException e) {
                throw new IllegalStateException("cannot keep " + log, e);
            }
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // C1 only starts a service faster on a small machine; the trainer and the eval-service run per-step Java loops
        // (pixels to floats, snapshot encode and decode) for as long as a run lasts, where C2's code pays (performance.md).
        boolean steady = service == Service.TRAINER || service == Service.EVAL;
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx768m", "-XX:+UseSerialGC", steady ? "-XX:+TieredCompilation" : "-XX:TieredStopAtLevel=1",
                "-jar", appJar(service).toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers());
        pb.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
        pb.environment().putAll(env);
        try {
            children.add(new Child(name, service, Map.copyOf(env), pb.start(), log, port));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    private void awaitReady(Child child) {
        Process p = child.process();
        URI ready = URI.create("http://localhost:" + child.port() + "/q/health/ready");
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException(child.name() + " exited with code " + p.exitValue()
                        + "; last lines of " + child.log() + ":\n" + tail(child.log()));
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            pause(200);
        }
        throw new IllegalStateException(child.name() + " not ready after " + READY_TIMEOUT.toSeconds()
                + " s; last lines of " + child.log() + ":\n" + tail(child.log()));
    }

    /** The trainer replicas' names ({@code trainer-1}, ...), as in their worker ids and log file names. */
    public synchronized List<String> trainers() {
        return children.stream().filter(c -> c.service() == Service.TRAINER).map(Child::name).toList();
    }

    /** The base URL of one launched service by name ({@code trainer-2}, {@code data-service}, ...). */
    public synchronized String url(String name) {
        return "http://localhost:" + child(name).port();
    }

    /** The OS process of one launched service (for fault drills: kill -9, SIGSTOP/SIGCONT by its pid). */
    public synchronized Process process(String name) {
        return child(name).process();
    }

    /** Fault drills: kill -9 of one service, waiting until it is gone. It stays down until {@link #restart}. */
    public void killHard(String name) {
        Process p = process(name);
        p.destroyForcibly();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Starts a stopped service again with its settings and port, and waits until it is ready. */
    public void restart(String name) {
        Child old;
        synchronized (this) {
            old = child(name);
            if (old.process().isAlive()) {
                throw new IllegalStateException(name + " is still running");
            }
            children.remove(old);
            launch(old.service(), name, old.port(), old.env());
        }
        awaitReady(child(name));
    }

    private Child child(String name) {
        return children.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no service named " + name + " in this stack"));
    }

    /** Every process of this stack, the broker first when it has its own ({@code kafka}), then the services. */
    public synchronized List<Member> members() {
        List<Member> all = new ArrayList<>();
        if (kafka instanceof KafkaProcess p) {
            all.add(new Member("kafka", null, p.pid(), null));
        }
        children.forEach(c -> all.add(new Member(c.name(), c.service(), c.process().pid(), "http://localhost:" + c.port())));
        return all;
    }

    public String url(Service s) {
        return "http://localhost:" + ports.get(s);
    }

    /** The data-service's data root: datasets are registered by paths under it. */
    public Path dataRoot() {
        return dataRoot;
    }

    public String apiKey() {
        return apiKey;
    }

    /** A client of this stack's data-service, with its API key (registration needs it). */
    public dev.preflight.ladder.DataClient data() {
        return new dev.preflight.ladder.DataClient(url(Service.DATA), apiKey);
    }

    /** A client of this stack's gateway, with its API key. */
    public dev.preflight.ladder.GatewayClient gateway() {
        return new dev.preflight.ladder.GatewayClient(url(Service.GATEWAY), apiKey);
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Broker-outage drill: stops the broker process (SIGTERM, controlled shutdown); the services stay up. */
    public void stopBroker() {
        requireBrokerProcess().stop();
    }

    /** Starts the stopped broker process again on its storage and port, waiting until it serves. */
    public void startBroker() {
        requireBrokerProcess().restart();
    }

    private KafkaProcess requireBrokerProcess() {
        if (!(kafka instanceof KafkaProcess process)) {
            throw new IllegalStateException("this stack's broker runs in this JVM; start it with startWithBrokerProcess");
        }
        return process;
    }

    public Path logs() {
        return logs;
    }

    /** Where trainers export finished models as SavedModels ({@code <runId>/}). */
    public Path exports() {
        return out.resolve("exports");
    }

    @Override
    public synchronized void close() {
        // A drill may have left a service stopped (SIGSTOP): it must be able to receive the SIGTERM.
        children.forEach(c -> {
            try {
                new ProcessBuilder("kill", "-CONT", String.valueOf(c.process().pid())).start().waitFor();
            } catch (IOException | InterruptedException ignored) {
                // best effort
            }
        });
        children.forEach(c -> c.process().destroy());
        for (Child c : children) {
            Process p = c.process();
            try {
                if (!p.waitFor(STOP_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        children.clear();
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot clear " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * The broker logs every config and state change, and warns about its own orderly shutdown; the user wants the
     * run's progress. Errors still show.
     */
    private static void quietKafkaLogging() {
        for (String name : new String[]{"", "org.apache.kafka", "kafka"}) {
            java.util.logging.Logger.getLogger(name).setLevel(Level.SEVERE);
        }
        for (var h : java.util.logging.Logger.getLogger("").getHandlers()) {
            h.setLevel(Level.SEVERE);
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
