package dev.preflight.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A headless Chromium driven over the DevTools protocol (the JDK's WebSocket client, no driver library): one fresh
 * profile per instance, one page at a time, every console message, exception and log entry recorded.
 */
public final class Chromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    /** DevTools events in arrival order: {"method": ..., "params": ...}. */
    public final List<JsonNode> events = new CopyOnWriteArrayList<>();

    private Chromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** The browser binary: $PREFLIGHT_CHROMIUM, else Debian's chromium (or another Chromium) on the PATH. */
    public static Path binary() {
        String given = System.getenv("PREFLIGHT_CHROMIUM");
        if (given != null && !given.isBlank()) {
            return Path.of(given);
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin");
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("no Chromium on the PATH: apt-get install -y chromium (or set PREFLIGHT_CHROMIUM)");
    }

    public static Chromium start() throws Exception {
        Path profile = Files.createTempDirectory("preflight-chromium");
        Process p = new ProcessBuilder(binary().toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "--window-size=1280,900", "about:blank")
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try {
            // Chromium writes the port it chose and the browser's WebSocket path into the profile.
            Path active = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!(Files.exists(active) && Files.readAllLines(active).size() >= 2)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("Chromium did not open its DevTools port: " + log(profile));
                }
                Thread.sleep(50);
            }
            List<String> lines = Files.readAllLines(active);
            URI uri = URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
            Chromium[] self = new Chromium[1];
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(uri, new Listener(m -> self[0].dispatch(m))).get(10, TimeUnit.SECONDS);
            self[0] = new Chromium(p, profile, ws);
            return self[0];
        } catch (Exception e) {
            p.destroyForcibly();
            delete(profile);
            throw e;
        }
    }

    private static String log(Path profile) {
        try {
            return Files.readString(profile.resolve("chromium.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Sends a command (to the page's session when {@code session} is set) and waits for its result. */
    public JsonNode call(String session, String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params == null ? JSON.createObjectNode() : params);
        if (session != null) {
            msg.put("sessionId", session);
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        socket.sendText(msg.toString(), true).get(10, TimeUnit.SECONDS);
        JsonNode reply = answer.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (reply.has("error")) {
            throw new IllegalStateException(method + ": " + reply.get("error"));
        }
        return reply.path("result");
    }

    public static ObjectNode params() {
        return JSON.createObjectNode();
    }

    /** Opens a new page, attaches to it, and enables the domains whose events tell about errors; returns the session. */
    public String newPage() throws Exception {
        String target = call(null, "Target.createTarget", params().put("url", "about:blank")).get("targetId").asText();
        String session = call(null, "Target.attachToTarget", params().put("targetId", target).put("flatten", true)).get("sessionId").asText();
        for (String domain : List.of("Runtime", "Log", "Page")) {
            call(session, domain + ".enable", null);
        }
        return session;
    }

    /** Moves the mouse to (x, y) in the page's viewport, as a user's hover. */
    public void hover(String session, double x, double y) throws Exception {
        call(session, "Input.dispatchMouseEvent", params().put("type", "mouseMoved").put("x", x).put("y", y));
    }

    /** Evaluates an expression in the page; returns its value (by value: JSON-able results only). */
    public JsonNode eval(String session, String expression) throws Exception {
        JsonNode r = call(session, "Runtime.evaluate", params().put("expression", expression).put("returnByValue", true)
                .put("awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException(expression + " threw: " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** Console errors and warnings, uncaught exceptions, error log entries and dialogs (alert!) of a page so far. */
    public List<String> problems(String session) {
        return events.stream().filter(e -> session.equals(e.path("sessionId").asText())).flatMap(e -> {
            String method = e.path("method").asText();
            JsonNode p = e.path("params");
            return switch (method) {
                case "Runtime.exceptionThrown" -> Stream.of("exception: " + p.path("exceptionDetails"));
                case "Runtime.consoleAPICalled" -> List.of("error", "assert", "warning").contains(p.path("type").asText())
                        ? Stream.of("console." + p.path("type").asText() + ": " + p.path("args")) : Stream.empty();
                case "Log.entryAdded" -> List.of("error", "warning").contains(p.path("entry").path("level").asText())
                        ? Stream.of("log " + p.path("entry").path("level").asText() + ": " + p.path("entry").path("text").asText()
                        + " " + p.path("entry").path("url").asText()) : Stream.empty();
                case "Page.javascriptDialogOpening" -> Stream.of("dialog: " + p.path("message").asText());
                default -> Stream.empty();
            };
        }).toList();
    }

    private void dispatch(String message) {
        try {
            JsonNode m = JSON.readTree(message);
            if (m.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
                if (f != null) {
                    f.complete(m);
                }
            } else {
                events.add(m);
            }
        } catch (IOException e) {
            events.add(JSON.createObjectNode().put("method", "unreadable").put("text", message));
        }
    }

    @Override
    public void close() throws Exception {
        try {
            socket.sendText("{\"id\":0,\"method\":\"Browser.close\"}", true).get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the browser may already be gone
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try {
            delete(profile);
        } catch (IOException ignored) {
            // a helper process still writing: the temp dir is left for the OS
        }
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Joins the frames of each message and hands it over. */
    private static final class Listener implements WebSocket.Listener {
        private final java.util.function.Consumer<String> sink;
        private final StringBuilder partial = new StringBuilder();

        Listener(java.util.function.Consumer<String> sink) {
            this.sink = sink;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String message = partial.toString();
                partial.setLength(0);
                sink.accept(message);
            }
            webSocket.request(1);
            return null;
        }
    }
}
