package dev.preflight.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.cli.stack.LocalStack;
import dev.preflight.cli.stack.Service;
import dev.preflight.cli.stack.StackState;
import dev.preflight.cli.command.StackOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * CI only: every {@code ./preflight ...} and {@code curl ...} example of README.md and docs/*.md runs as written, in
 * document order, from the repository root, and must do what the text around it says. A new example is tested without
 * anyone remembering to.
 *
 * <p>What is substituted, and only that (the docs' own placeholders): {@code localhost:8080} / {@code localhost:8081}
 * and {@code http://gateway:8080} / {@code http://data:8081} become the shared end-to-end stack ({@link E2EStack}: its
 * data root holds copies of ../shared/datasets and a small generated {@code pets} image folder, as a user's would); {@code <runId>},
 * {@code <id>} and {@code RUN} become the run and experiment ids that earlier examples created ({@code RUN} of
 * {@code kill}: a run started for it); {@code [RUN]} is dropped; {@code <command>} becomes each subcommand;
 * {@code space.json} is the search space the README shows. {@code PREFLIGHT_API_KEY} and {@code PREFLIGHT_GATEWAY}
 * are set as a user would set them. curl gets {@code --fail-with-body}, so an HTTP error is an error.
 *
 * <p>{@code ./preflight up} runs until it is stopped: it is started in the background, the next example runs once its
 * state file says it is up (so the examples after it use that stack, as a user's would), and a later
 * {@code ./preflight down} stops it (or the end of the test does).
 *
 * <p>Checked for every example: the exit code (0 unless a {@code <!-- docs-test: exit=N -->} line precedes the block),
 * that TensorFlow's native logging never reaches the terminal, and that {@code ./preflight} does not rebuild itself.
 * For commands that climb the ladder: the last line printed is the path of an existing report.json (as the README
 * says). For {@code --help}: a usage text. For curl answers that are JSON: they parse.
 */
@Tag("e2e")
class DocsExamplesTest {

    /** TensorFlow's native log lines, in both formats it uses (its own, and absl's), and absl's start-up warning. */
    private static final Pattern TF_NATIVE_LOG = Pattern.compile("(?m)(^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+: [IWE] \\S*tensorflow/"
            + "|^[IWE]\\d{4} [\\d:.]+ +\\d+ \\S+\\.(cc|h):\\d+\\]|All log messages before absl::InitializeLog|To enable the following "
            + "instructions|Restoring SavedModel bundle)");
    private static final List<String> SUBCOMMANDS = List.of("up", "down", "demo", "run", "ablate", "status", "kill", "continue", "bench");

    static LocalStack stack;
    static Path work;
    /** A {@code ./preflight up} example still running, or null. */
    static Process up;

    @BeforeAll
    static void start() throws Exception {
        work = Repo.HOME.resolve("deploy-checks/target/docs-examples").toAbsolutePath();
        E2EStack.deleteTree(work);
        Files.createDirectories(work);
        stack = E2EStack.get();
        // This build has just packaged every module: tell ./preflight so (it rebuilds when shipped sources are newer
        // than its stamp, and a nested build would rewrite the jars the stack above runs from).
        Files.writeString(Repo.HOME.resolve("preflight-cli/target/.preflight-build-stamp"), "");
    }

    @AfterAll
    static void stop() throws IOException {
        if (up != null && up.isAlive()) {
            // An "up" whose "down" never ran (a failure in between): stop what it started, then it.
            StackState.read(Repo.HOME.resolve(StackOptions.DEFAULT_OUT)).ifPresent(s -> {
                s.upProcess().ifPresent(ProcessHandle::destroy);
                s.stopSurvivors(java.time.Duration.ofSeconds(60));
            });
            up.destroyForcibly();
        }
        // The shared stack stays for the other end-to-end checks (E2EStack closes it when the JVM exits).
        // What the README's "curl ... > report.html" wrote into the checkout.
        Files.deleteIfExists(Repo.HOME.resolve("report.html"));
    }

    @Test
    void everyShellExampleInTheDocsRunsAsWritten() throws Exception {
        List<DocExamples.Example> examples = new ArrayList<>(DocExamples.parse(Repo.HOME, "README.md"));
        try (Stream<Path> docs = Files.list(Repo.HOME.resolve("docs"))) {
            for (Path doc : docs.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                examples.addAll(DocExamples.parse(Repo.HOME, "docs/" + doc.getFileName()));
            }
        }
        assertTrue(examples.size() >= 15, "the docs hold at least the README's examples: " + examples);
        Files.writeString(work.resolve("space.json"), firstJsonBlockAfter("README.md", "A search space for `ablate`"));
        State state = new State();
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (DocExamples.Example e : examples) {
            for (String command : expand(e.command(), state)) {
                n++;
                String problem = run(n, e, command, state);
                System.out.println((problem == null ? "ok   " : "FAIL ") + e.file() + ":" + e.line() + ": " + command.replace('\n', ' ')
                        + (problem == null ? "" : "\n     " + problem));
                if (problem != null) {
                    failures.add(e.file() + ":" + e.line() + ": " + command.replace('\n', ' ') + "\n  " + problem);
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " documentation example(s) do not work as written:\n" + String.join("\n", failures));
        }
    }

    /** Ids that earlier examples produced, for the placeholders of later ones. */
    static final class State {
        String runId;
        String experimentId;
    }

    /** {@code ./preflight <command> --help} is one example per subcommand; everything else is itself. */
    private static List<String> expand(String command, State state) {
        if (command.contains("<command>")) {
            return SUBCOMMANDS.stream().map(c -> command.replace("<command>", c)).toList();
        }
        return List.of(command);
    }

    private static String substitute(String command, State state) throws Exception {
        String gateway = stack.url(Service.GATEWAY);
        String data = stack.url(Service.DATA);
        String c = command.replace("http://gateway:8080", gateway).replace("http://data:8081", data)
                .replace("localhost:8080", gateway.replace("http://", "")).replace("localhost:8081", data.replace("http://", ""))
                .replace(" [RUN]", "").replace("space.json", work.resolve("space.json").toString());
        if (c.contains("<runId>")) {
            c = c.replace("<runId>", require(state.runId, "<runId>"));
        }
        if (c.contains("<id>")) {
            String id = require(state.experimentId, "<id>");
            if (c.contains("report.html")) {
                awaitExperiment(id);
            }
            c = c.replace("<id>", id);
        }
        if (c.startsWith("./preflight kill RUN")) {
            c = c.replace("kill RUN", "kill " + longRun());
        }
        if (c.startsWith("curl ")) {
            c = "curl --fail-with-body " + c.substring("curl ".length());
        }
        return c;
    }

    private static String require(String value, String placeholder) {
        if (value == null) {
            throw new IllegalStateException("no earlier example produced a value for " + placeholder);
        }
        return value;
    }

    /** Runs one example; null when it did what the docs say, else what went wrong. */
    private static String run(int n, DocExamples.Example e, String written, State state) throws Exception {
        String command;
        try {
            command = substitute(written, state);
        } catch (IllegalStateException ex) {
            return ex.getMessage();
        }
        Path log = work.resolve(String.format("%02d.out", n));
        Path err = work.resolve(String.format("%02d.err", n));
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).directory(Repo.HOME.toFile())
                .redirectOutput(log.toFile()).redirectError(err.toFile());
        pb.environment().put("PREFLIGHT_API_KEY", stack.apiKey());
        pb.environment().put("PREFLIGHT_GATEWAY", stack.url(Service.GATEWAY));
        pb.environment().remove("TF_CPP_MIN_LOG_LEVEL");
        // "up" runs until stopped; "up --help" is an ordinary command that prints and exits.
        if (written.matches("\\./preflight up(\\s.*)?") && !written.contains("--help")) {
            return background(pb, log, err);
        }
        Process p = pb.start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return "did not finish within 15 minutes";
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        String errText = Files.readString(err, StandardCharsets.UTF_8);
        String tail = "\n     stdout: " + tail(out) + "\n     stderr: " + tail(errText);
        if (p.exitValue() != e.expectedExit()) {
            return "exit " + p.exitValue() + ", expected " + e.expectedExit() + tail;
        }
        // The build stamp is fresh (start()), so a rebuild means the script took something Preflight itself wrote
        // (preflight-out/, the broker's meta.properties) for a changed source, and rewrote jars under a running stack.
        if (errText.contains("» building Preflight")) {
            return "rebuilt Preflight although nothing it ships changed" + tail;
        }
        if (TF_NATIVE_LOG.matcher(out + errText).find()) {
            return "TensorFlow's native logging reached the terminal" + tail;
        }
        if (written.contains("--help")) {
            return out.contains("Usage: preflight") ? null : "no usage text" + tail;
        }
        if (written.matches("\\./preflight (demo|run|ablate)\\b.*")) {
            String[] lines = out.strip().split("\n");
            Path report = Path.of(lines[lines.length - 1].strip());
            return report.toString().endsWith("report.json") && Files.isRegularFile(report.isAbsolute() ? report : Repo.HOME.resolve(report))
                    ? null : "the last line printed is not the report's path" + tail;
        }
        if (written.startsWith("curl ") && !written.contains(">") && (out.startsWith("{") || out.startsWith("["))) {
            JsonNode json;
            try {
                json = new ObjectMapper().readTree(out);
            } catch (IOException ex) {
                return "answer is not JSON: " + ex.getMessage() + tail;
            }
            if (json.hasNonNull("runId") && written.contains("-XPOST")) {
                state.runId = json.path("runId").asText();
            }
            if (json.hasNonNull("experimentId")) {
                state.experimentId = json.path("experimentId").asText();
            }
        }
        return null;
    }

    /** Starts {@code ./preflight up} and waits until the stack it starts is up (its state file names a live up). */
    private static String background(ProcessBuilder pb, Path log, Path err) throws Exception {
        up = pb.start();
        Path out = Repo.HOME.resolve(StackOptions.DEFAULT_OUT);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        // Up once its state file names a live up and it has printed what the README says (the file comes first).
        while (StackState.read(out).flatMap(StackState::upProcess).isEmpty() || !Files.readString(log).contains("API key")) {
            if (!up.isAlive()) {
                return "exited " + up.exitValue() + " before it was up\n     stdout: " + tail(Files.readString(log))
                        + "\n     stderr: " + tail(Files.readString(err));
            }
            if (System.nanoTime() > deadline) {
                return "not up after 5 minutes\n     stdout: " + tail(Files.readString(log));
            }
            Thread.sleep(500);
        }
        String printed = Files.readString(log);
        return printed.contains("live page") ? null : "up did not print the live page's URL: " + tail(printed);
    }

    /** A run that is still training when the kill example runs. */
    private static String longRun() {
        return stack.gateway().submit(new dev.preflight.wire.RunSpec("shapes", new dev.preflight.wire.DataConfig(5L, 0, 64, 0.2),
                new dev.preflight.wire.ModelConfig("cnn", 5L, 1e-3, null), 100_000, 10));
    }

    private static void awaitExperiment(String id) throws Exception {
        ObjectMapper json = new ObjectMapper();
        DashboardQueriesE2ETest.await("experiment " + id + " to end", java.time.Duration.ofMinutes(15), () -> {
            java.net.http.HttpResponse<String> r = DashboardQueriesE2ETest.get(stack.url(Service.GATEWAY) + "/api/experiments/" + id);
            return r.statusCode() == 200 && !"RUNNING".equals(json.readTree(r.body()).path("state").asText());
        });
    }

    private static String firstJsonBlockAfter(String file, String marker) throws IOException {
        String text = Files.readString(Repo.HOME.resolve(file));
        int at = text.indexOf("```json", text.indexOf(marker));
        return text.substring(text.indexOf('\n', at) + 1, text.indexOf("```", at + 7));
    }

    private static String tail(String s) {
        String t = s.strip();
        return (t.length() > 600 ? "…" + t.substring(t.length() - 600) : t).replace("\n", "\n       ");
    }
}
