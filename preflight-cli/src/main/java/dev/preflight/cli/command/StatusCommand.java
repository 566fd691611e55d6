package dev.preflight.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.cli.report.Console;
import dev.preflight.ladder.GatewayClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code preflight status [RUN]}: the runs the gateway knows, grouped by experiment, or one run in detail. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "List runs grouped by experiment (stage, state, step, losses, accuracy), or show one run.")
public class StatusCommand implements Callable<Integer> {

    /** Columns of the run table; together they fit 100 terminal columns. */
    static final String ROW = "  %-18s %-19s %-9s %11s %10s %10s %7s%n";

    @picocli.CommandLine.Mixin
    StackOptions stack = new StackOptions();

    @Parameters(index = "0", arity = "0..1", description = "A run id.")
    String runId;

    @Override
    public Integer call() {
        GatewayClient client = stack.client(System.getenv("PREFLIGHT_API_KEY"));
        if (runId != null) {
            System.out.println(client.run(runId).toPrettyString());
            return 0;
        }
        List<JsonNode> runs = new ArrayList<>();
        client.runs().forEach(runs::add);
        print(runs, System.out);
        return 0;
    }

    /** The run table: one block per experiment (in order of first submission), runs without one last. */
    public static void print(List<JsonNode> runs, PrintStream out) {
        if (runs.isEmpty()) {
            out.println("no runs yet");
            return;
        }
        Map<String, List<JsonNode>> byExperiment = new LinkedHashMap<>();
        runs.stream().sorted(java.util.Comparator.comparingLong(r -> r.path("submittedAtMs").asLong()))
                .forEach(r -> byExperiment.computeIfAbsent(r.path("experiment").asText("-"), k -> new ArrayList<>()).add(r));
        List<String> order = new ArrayList<>(byExperiment.keySet());
        if (order.remove("-")) {
            order.add("-");
        }
        for (String experiment : order) {
            List<JsonNode> group = byExperiment.get(experiment);
            out.println(("-".equals(experiment) ? "runs outside an experiment" : "experiment " + experiment) + " (" + group.size()
                    + (group.size() == 1 ? " run)" : " runs)"));
            out.printf(Locale.ROOT, ROW, "RUN", "STAGE", "STATE", "STEP", "TRAIN LOSS", "VAL LOSS", "VAL ACC");
            for (JsonNode r : group) {
                String step = r.path("step").isNumber() ? r.path("step").asInt() + "/" + r.path("steps").asInt() : "-/" + r.path("steps").asText("?");
                out.printf(Locale.ROOT, ROW, r.path("runId").asText(), cut(r.path("stage").asText("-"), 19), r.path("state").asText(), step,
                        Console.num(r.path("trainLoss").asDouble(Double.NaN)), Console.num(r.path("valLoss").asDouble(Double.NaN)),
                        r.path("valAccuracy").isNumber() ? String.format(Locale.ROOT, "%.3f", r.path("valAccuracy").asDouble()) : "-");
            }
        }
    }

    private static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "…";
    }
}
