package dev.preflight.cli.report;

import dev.preflight.ladder.RunWatcher;
import dev.preflight.recipe.StageResult;
import dev.preflight.recipe.Verdict;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the user sees: progress of every active run and the verdict table. On a terminal the progress block redraws in
 * place, one line per active run (a finished run's line stays as its last state); in a log (CI, a pipe) it prints a
 * line per run at every 10 % so logs stay short. Colour only on a terminal, and never when NO_COLOR is set.
 */
public final class Console {

    private final PrintStream out;
    private final boolean interactive;
    private final boolean colour;
    /** Interactive: the progress block being redrawn, label -> line, in first-seen order. */
    private final Map<String, String> block = new java.util.LinkedHashMap<>();
    /** Lines of the block already on screen (the cursor sits below them). */
    private int drawn;
    /** Not interactive: the last 10 % bucket printed per label. */
    private final Map<String, String> buckets = new java.util.HashMap<>();

    public Console(PrintStream out) {
        this(out, System.console() != null, System.console() != null && System.getenv("NO_COLOR") == null);
    }

    /**
     * @param interactive redraw progress in place (stdout is a terminal)
     * @param colour      colour verdicts (a terminal, NO_COLOR unset)
     */
    public Console(PrintStream out, boolean interactive, boolean colour) {
        this.out = out;
        this.interactive = interactive;
        this.colour = colour;
    }

    public void say(String message) {
        endProgress();
        out.println("» " + message);
    }

    /** One run's progress under {@code label} (a stage, or a stage and trial). */
    public void progress(String label, RunWatcher.Progress p) {
        int width = 30;
        int done = p.steps() == 0 ? 0 : (int) ((long) width * Math.min(p.step(), p.steps()) / p.steps());
        String line = String.format(Locale.ROOT, "%-20s [%s%s] %4d/%d  loss %s  val %s  %s", label,
                "#".repeat(done), ".".repeat(width - done), p.step(), p.steps(), num(p.trainLoss()), num(p.valLoss()), p.state());
        if (interactive) {
            if (line.equals(block.get(label))) {
                return;
            }
            block.put(label, line);
            redraw();
        } else {
            String bucket = p.state() + (p.steps() == 0 ? 0 : 10 * p.step() / p.steps());
            if (!bucket.equals(buckets.get(label))) {
                out.println(line);
                buckets.put(label, bucket);
            }
        }
    }

    /** Moves the cursor to the first line of the block, rewrites every line (clearing leftovers), ends below it. */
    private void redraw() {
        StringBuilder b = new StringBuilder();
        if (drawn > 0) {
            b.append("\u001b[").append(drawn).append('A');
        }
        for (String l : block.values()) {
            b.append('\r').append(l).append("\u001b[K\n");
        }
        out.print(b);
        out.flush();
        drawn = block.size();
    }

    /** Leaves the progress block as it stands: later output goes below it, and a new block starts. */
    public void endProgress() {
        block.clear();
        buckets.clear();
        drawn = 0;
    }

    /** Width the verdict table keeps to: evidence wraps onto indented lines rather than running off a terminal. */
    static final int WIDTH = 100;

    public void verdictTable(List<StageResult> stages) {
        endProgress();
        out.println();
        out.printf(Locale.ROOT, "%-22s %-7s %s%n", "STAGE", "VERDICT", "EVIDENCE");
        String indent = " ".repeat(31);
        for (StageResult s : stages) {
            List<String> lines = new java.util.ArrayList<>();
            StringBuilder line = new StringBuilder();
            for (Map.Entry<String, Double> e : s.evidence().entrySet()) {
                String item = e.getKey() + "=" + num(e.getValue() == null ? Double.NaN : e.getValue());
                if (line.length() > 0 && indent.length() + line.length() + 2 + item.length() > WIDTH) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                line.append(line.length() > 0 ? "  " : "").append(item);
            }
            lines.add(line.toString());
            out.printf(Locale.ROOT, "%-22s %s %s%n", s.name(), colour(s.verdict()), lines.get(0));
            for (String more : lines.subList(1, lines.size())) {
                out.println(indent + more);
            }
            out.println(indent + s.summary());
        }
        out.println();
    }

    private String colour(Verdict v) {
        String padded = String.format("%-7s", v);
        if (!colour) {
            return padded;
        }
        String code = switch (v) {
            case PASS -> "32";
            case WARN -> "33";
            case FAIL -> "31";
        };
        return "\u001b[1;" + code + "m" + padded + "\u001b[0m";
    }

    /** A number at a precision worth reading: integers as integers, 4 decimals, scientific beyond 1e4 or below 1e-3; NaN "-". */
    public static String num(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.valueOf((long) v); // counts and sizes read as the integers they are
        }
        return Math.abs(v) >= 1e4 || (v != 0 && Math.abs(v) < 1e-3) ? String.format(Locale.ROOT, "%.3e", v)
                : String.format(Locale.ROOT, "%.4f", v);
    }
}
