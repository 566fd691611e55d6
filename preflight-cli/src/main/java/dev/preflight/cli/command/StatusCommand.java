package dev.preflight.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.ladder.GatewayClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code preflight status [RUN]}: the runs the gateway knows, or one run in detail. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "List runs (state, step, losses), or show one run.")
public class StatusCommand implements Callable<Integer> {

    @Option(names = "--gateway", defaultValue = "${PREFLIGHT_GATEWAY:-http://localhost:8080}",
            description = "metrics-gateway URL (default: $PREFLIGHT_GATEWAY or ${DEFAULT-VALUE}).")
    String gateway;

    @Parameters(index = "0", arity = "0..1", description = "A run id.")
    String runId;

    @Override
    public Integer call() {
        GatewayClient client = new GatewayClient(gateway);
        if (runId != null) {
            System.out.println(client.run(runId).toPrettyString());
            return 0;
        }
        System.out.printf(Locale.ROOT, "%-18s %-10s %7s %12s %12s %s%n", "RUN", "STATE", "STEP", "TRAIN LOSS", "VAL LOSS", "STAGE");
        for (JsonNode r : client.runs()) {
            System.out.printf(Locale.ROOT, "%-18s %-10s %7d %12s %12s %s%n", r.path("runId").asText(), r.path("state").asText(),
                    r.path("step").asInt(), r.path("trainLoss").asText("-"), r.path("valLoss").asText("-"),
                    r.path("spec").path("stage").asText("-"));
        }
        return 0;
    }
}
