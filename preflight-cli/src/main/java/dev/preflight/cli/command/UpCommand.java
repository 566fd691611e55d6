package dev.preflight.cli.command;

import dev.preflight.cli.report.Console;
import dev.preflight.cli.stack.LocalPrometheus;
import dev.preflight.cli.stack.LocalStack;
import dev.preflight.cli.stack.Service;
import dev.preflight.cli.stack.StackState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code preflight up}: a stack that stays running (Kafka as its own process with its data under {@code --out}, and
 * the four services) until Ctrl-C or {@code preflight down}. It writes {@code <out>/stack.json}
 * ({@link StackState}), through which {@code run}, {@code ablate}, {@code status} and {@code kill} use it, and prints
 * the live page's URL and the API key.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start Kafka (its own process, data under --out: topics and history survive a restart) and the four "
                + "services, print the live page's URL and the API key, and run until Ctrl-C or 'preflight down'. "
                + "run, ablate, status and kill use this stack while it runs.")
public class UpCommand implements Callable<Integer> {

    /** How long what a killed {@code up} left running gets to exit after SIGTERM. */
    static final Duration SURVIVOR_GRACE = Duration.ofSeconds(30);

    @Option(names = "--trainers", defaultValue = "2", description = "Trainer replicas (default: ${DEFAULT-VALUE}).")
    int trainers;

    @Option(names = "--out", defaultValue = StackOptions.DEFAULT_OUT, description = "Kafka's data, logs, the dataset registry and "
            + "the state file (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--data-root", description = "The data-service's data root: datasets given to 'run' as paths must lie under it "
            + "(default: <out>/data).")
    Path dataRoot;

    @Option(names = "--prometheus", description = "Also start Prometheus (the prometheus binary on the PATH) scraping every service "
            + "with deploy/prometheus/prometheus-local.yml, on port 9090 when free.")
    boolean prometheus;

    @Option(names = "--home", description = "Preflight checkout with the built services (default: $PREFLIGHT_HOME or the current directory).")
    Path home;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (trainers < 1 || trainers > 12) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--trainers must be 1 to 12 (the run queue has 12 partitions), was " + trainers);
        }
        if (prometheus && !LocalPrometheus.onPath()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--prometheus: no prometheus executable on the PATH (Debian and Ubuntu: apt-get install prometheus)");
        }
        Path dir = out.toAbsolutePath().normalize();
        Console console = new Console(System.out);
        Optional<StackState> previous = StackState.read(dir);
        if (previous.isPresent()) {
            StackState state = previous.get();
            if (state.upProcess().isPresent()) {
                System.err.println("preflight: a stack is already running under " + out + " (pid " + state.pid() + ", live page "
                        + state.gateway() + "/); 'preflight down --out " + out + "' stops it");
                return 1;
            }
            List<Long> stopped = state.stopSurvivors(SURVIVOR_GRACE);
            console.say("the previous 'preflight up' under " + out + " (pid " + state.pid() + ") is gone"
                    + (stopped.isEmpty() ? "" : "; stopped what it left running (pids " + stopped + ")"));
            Files.deleteIfExists(StackState.file(dir));
        }
        Path root = StackOptions.home(home);
        Stack stack = new Stack(dir);
        Runtime.getRuntime().addShutdownHook(new Thread(stack::stop, "preflight-up-shutdown"));
        stack.local = LocalStack.startPersistent(root, dir, trainers, dataRoot, console::say);
        if (prometheus) {
            stack.prometheus = LocalPrometheus.start(root.toAbsolutePath(), dir.resolve("prometheus"), stack.local, 0,
                    stack.local.logs().resolve("prometheus.log"));
        }
        StackState state = stack.state();
        state.write(dir);
        print(state, System.out);
        // Until SIGINT (Ctrl-C) or SIGTERM ('preflight down'): the shutdown hook stops everything and removes the file.
        new CountDownLatch(1).await();
        return 0;
    }

    /** What one {@code up} started, stopped once by its shutdown hook. */
    private static final class Stack {
        final Path dir;
        volatile LocalStack local;
        volatile LocalPrometheus prometheus;

        Stack(Path dir) {
            this.dir = dir;
        }

        StackState state() {
            List<StackState.Proc> procs = new ArrayList<>();
            for (LocalStack.Member m : local.members()) {
                procs.add(new StackState.Proc(m.name(), m.pid(), ProcessHandle.of(m.pid()).map(StackState::startedAt).orElse(-1L), m.url()));
            }
            if (prometheus != null) {
                procs.add(new StackState.Proc("prometheus", prometheus.pid(),
                        ProcessHandle.of(prometheus.pid()).map(StackState::startedAt).orElse(-1L), prometheus.url()));
            }
            ProcessHandle self = ProcessHandle.current();
            return new StackState(self.pid(), StackState.startedAt(self), local.apiKey(), local.url(Service.GATEWAY),
                    local.url(Service.DATA), local.bootstrapServers(), local.dataRoot().toString(),
                    prometheus == null ? null : prometheus.url(), procs);
        }

        synchronized void stop() {
            try {
                Files.deleteIfExists(StackState.file(dir));
            } catch (IOException e) {
                // the next up or down notices the file is stale
            }
            if (prometheus != null) {
                prometheus.close();
                prometheus = null;
            }
            if (local != null) {
                local.close();
                local = null;
            }
        }
    }

    /** The lines a user needs: where to look, the key, how to stop. */
    static void print(StackState s, java.io.PrintStream out) {
        out.println("Preflight is up. Stop it with Ctrl-C or 'preflight down'.");
        out.println("  live page      " + s.gateway() + "/");
        out.println("  gateway        " + s.gateway() + "   (OpenAPI: " + s.gateway() + "/q/openapi)");
        out.println("  data-service   " + s.dataService() + "   (data root: " + s.dataRoot() + ")");
        if (s.prometheus() != null) {
            out.println("  prometheus     " + s.prometheus());
        }
        out.println("  kafka          " + s.kafka());
        out.println("  API key        " + s.apiKey() + "   (export PREFLIGHT_API_KEY=" + s.apiKey() + ")");
        out.flush();
    }
}
