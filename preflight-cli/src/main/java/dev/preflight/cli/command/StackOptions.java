package dev.preflight.cli.command;

import dev.preflight.cli.stack.StackState;
import dev.preflight.ladder.GatewayClient;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Which gateway a command talks to: {@code --gateway}, else {@code $PREFLIGHT_GATEWAY}, else the stack that
 * {@code preflight up} runs under {@code --out} (its state file), else {@value #FALLBACK_GATEWAY}. The API key
 * likewise: {@code --api-key}/{@code $PREFLIGHT_API_KEY}, else the running stack's.
 */
public class StackOptions {

    /** {@code up}'s, {@code run}'s and {@code down}'s default {@code --out}: where the state file of a running stack is. */
    public static final String DEFAULT_OUT = "preflight-out";
    static final String FALLBACK_GATEWAY = "http://localhost:8080";

    @Option(names = "--gateway", description = "metrics-gateway URL (default: $PREFLIGHT_GATEWAY, else the stack 'preflight up' "
            + "runs under --out, else " + FALLBACK_GATEWAY + ").")
    String gateway;

    @Option(names = "--out", defaultValue = DEFAULT_OUT, description = "Where 'preflight up' keeps its state (default: ${DEFAULT-VALUE}).")
    Path out;

    /** The Preflight checkout whose built services a stack runs: {@code --home}, else $PREFLIGHT_HOME, else ".". */
    static Path home(Path given) {
        return given != null ? given : Path.of(System.getenv().getOrDefault("PREFLIGHT_HOME", "."));
    }

    /** The running stack under {@code --out}, unless a gateway was named; a stale state file is noted on stderr. */
    Optional<StackState> stack() {
        if (gateway != null || System.getenv("PREFLIGHT_GATEWAY") != null) {
            return Optional.empty();
        }
        return StackState.running(out, note -> System.err.println("preflight: " + note));
    }

    /** @param apiKey the key given (option or environment), or null: the running stack's, if any */
    GatewayClient client(String apiKey) {
        if (gateway != null) {
            return new GatewayClient(gateway, apiKey);
        }
        if (System.getenv("PREFLIGHT_GATEWAY") != null) {
            return new GatewayClient(System.getenv("PREFLIGHT_GATEWAY"), apiKey);
        }
        return stack().map(s -> new GatewayClient(s.gateway(), apiKey != null ? apiKey : s.apiKey()))
                .orElseGet(() -> new GatewayClient(FALLBACK_GATEWAY, apiKey));
    }
}
