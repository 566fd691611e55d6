package dev.preflight.cli.command;

import dev.preflight.cli.stack.StackState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code preflight down}: stops the stack {@code preflight up} runs under {@code --out}: SIGTERM to {@code up} (which
 * stops its services and Kafka and removes the state file), then, for an {@code up} that was killed, SIGTERM and if
 * need be SIGKILL to every process it recorded that still runs.
 */
@Command(name = "down", mixinStandardHelpOptions = true, description = "Stop the stack 'preflight up' runs under --out (every process it started).")
public class DownCommand implements Callable<Integer> {

    /** {@code up} stops services (15 s grace each, in parallel) and then Kafka (30 s grace). */
    static final Duration UP_GRACE = Duration.ofSeconds(90);

    @Option(names = "--out", defaultValue = StackOptions.DEFAULT_OUT, description = "Where 'preflight up' runs (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path dir = out.toAbsolutePath().normalize();
        Optional<StackState> found = StackState.read(dir);
        if (found.isEmpty()) {
            System.out.println("no stack is running under " + out);
            return 0;
        }
        StackState state = found.get();
        Optional<ProcessHandle> up = state.upProcess();
        if (up.isPresent()) {
            up.get().destroy();
            try {
                up.get().onExit().get(UP_GRACE.toSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                up.get().destroyForcibly();
            }
        }
        List<Long> left = state.stopSurvivors(UpCommand.SURVIVOR_GRACE);
        Files.deleteIfExists(StackState.file(dir));
        System.out.println("stopped the stack under " + out + (up.isPresent() ? "" : " (its 'preflight up' was already gone)")
                + (left.isEmpty() ? "" : "; stopped what was left running: pids " + left));
        return 0;
    }
}
