package dev.preflight.cli.report;

import dev.preflight.ladder.RunWatcher;
import dev.preflight.recipe.StageResult;
import dev.preflight.recipe.Verdict;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the user sees: one-line progress bars and the coloured verdict table. Colour only on a terminal. */
public final class Console {

    private final PrintStream out;
    private final boolean tty;
    private String lastLine = "";

    public Console(PrintStream out) {
        this.out = out;
        this.tty = System.console() != null && System.getenv("NO_COLOR") == null;
    }

    public void say(String message) {
        endProgress();
        out.println("» " + message);
    }

    /** On a terminal the bar redraws in place; in a log it prints a line at every 10 % so logs stay short. */
    public void progress(String stage, RunWatcher.Progress p) {
        int width = 30;
        int done = p.steps() == 0 ? 0 : (int) ((long) width * Math.min(p.step(), p.steps()) / p.steps());
        String line = String.format(Locale.ROOT, "%-20s [%s%s] %4d/%d  loss %s  val %s  %s", stage,
                "#".repeat(done), ".".repeat(width - done), p.step(), p.steps(), num(p.trainLoss()), num(p.valLoss()), p.state());
        if (tty) {
            out.print("\r" + line);
            lastLine = line;
        } else {
            String bucket = p.state() + (p.steps() == 0 ? 0 : 10 * p.step() / p.steps());
            if (!bucket.equals(lastLine)) {
                out.println(line);
                lastLine = bucket;
            }
        }
    }

    public void endProgress() {
        if (tty && !lastLine.isEmpty()) {
            out.println();
        }
        lastLine = "";
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
        if (!tty) {
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
