package dev.preflight.cli.stack;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.kafka.LocalPorts;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus (the {@code prometheus} binary on the PATH, e.g. Debian's package) scraping a local stack with
 * {@code deploy/prometheus/prometheus-local.yml} as checked in: that file reads its targets from {@code targets/*.json}
 * next to it, one file per service job ({@code [{"targets": ["localhost:PORT"], "labels": {"job": "<service>"}}]}),
 * so the Grafana dashboards' queries work unchanged. Everything lives under one directory: {@code prometheus.yml}
 * (a copy), {@code targets/}, {@code data/} (its TSDB).
 */
public final class LocalPrometheus implements AutoCloseable {

    /** Prometheus' own default port, used when it is free so that an existing Grafana datasource finds it. */
    public static final int DEFAULT_PORT = 9090;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final String url;

    private LocalPrometheus(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    /** Whether a {@code prometheus} executable is on the PATH. */
    public static boolean onPath() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "prometheus"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes the configuration and one target file per service job of {@code stack}, starts Prometheus on
     * {@code 127.0.0.1:port} (0: {@value #DEFAULT_PORT} if free, else any free port) and waits until it is ready.
     *
     * @param home the Preflight checkout (for {@code deploy/prometheus/prometheus-local.yml})
     * @param dir  where its configuration, targets and TSDB go
     * @param log  its stdout and stderr
     * @throws IllegalStateException if the configuration is missing, or Prometheus exits or is not ready in 60 s
     */
    public static LocalPrometheus start(Path home, Path dir, LocalStack stack, int port, Path log) {
        Path config = home.resolve("deploy/prometheus/prometheus-local.yml");
        if (!Files.isRegularFile(config)) {
            throw new IllegalStateException(config + " is missing");
        }
        int chosen = port != 0 ? port : available(DEFAULT_PORT) ? DEFAULT_PORT : LocalPorts.free();
        String url = "http://127.0.0.1:" + chosen;
        Process p;
        try {
            Files.createDirectories(dir.resolve("targets"));
            Files.copy(config, dir.resolve("prometheus.yml"), StandardCopyOption.REPLACE_EXISTING);
            writeTargets(dir.resolve("targets"), stack.members());
            p = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + chosen)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start prometheus: " + e.getMessage(), e);
        }
        LocalPrometheus prometheus = new LocalPrometheus(p, url);
        try {
            prometheus.awaitReady(log);
        } catch (RuntimeException e) {
            prometheus.close();
            throw e;
        }
        return prometheus;
    }

    /** One file per job (the service's module name), listing every replica's {@code host:port}. */
    static void writeTargets(Path targets, List<LocalStack.Member> members) throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (Service s : Service.values()) {
            List<String> hostPorts = members.stream().filter(m -> m.service() == s).map(m -> URI.create(m.url()).getAuthority()).toList();
            Files.write(targets.resolve(s.module + ".json"),
                    json.writeValueAsBytes(List.of(Map.of("targets", hostPorts, "labels", Map.of("job", s.module)))));
        }
    }

    private void awaitReady(Path log) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with code " + process.exitValue() + "; see " + log);
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(url + "/-/ready")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            LocalStack.pause(200);
        }
        throw new IllegalStateException("prometheus not ready after " + READY_TIMEOUT.toSeconds() + " s; see " + log);
    }

    private static boolean available(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Its base URL ({@code http://127.0.0.1:PORT}). */
    public String url() {
        return url;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGTERM, 15 s to exit, then SIGKILL. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
