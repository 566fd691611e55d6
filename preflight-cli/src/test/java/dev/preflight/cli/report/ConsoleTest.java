package dev.preflight.cli.report;

import dev.preflight.ladder.RunWatcher;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleTest {

    static RunWatcher.Progress at(String run, int step) {
        return new RunWatcher.Progress(run, step == 100 ? "FINISHED" : "RUNNING", step, 100, 0.5, Double.NaN);
    }

    /**
     * Replays what a terminal does with the bytes: CR to column 0, ESC[nA up n lines, ESC[K clear to the end of line,
     * LF down a line. Returns the screen's lines.
     */
    static java.util.List<String> screen(String bytes) {
        java.util.List<StringBuilder> lines = new java.util.ArrayList<>();
        lines.add(new StringBuilder());
        int row = 0;
        int col = 0;
        for (int i = 0; i < bytes.length(); i++) {
            char c = bytes.charAt(i);
            if (c == '\r') {
                col = 0;
            } else if (c == '\n') {
                row++;
                col = 0;
                if (row == lines.size()) {
                    lines.add(new StringBuilder());
                }
            } else if (c == '\u001b') {
                int j = i + 2;
                while (!Character.isLetter(bytes.charAt(j))) {
                    j++;
                }
                String arg = bytes.substring(i + 2, j);
                if (bytes.charAt(j) == 'A') {
                    row -= Integer.parseInt(arg);
                } else if (bytes.charAt(j) == 'K') {
                    lines.get(row).setLength(Math.min(col, lines.get(row).length()));
                }
                i = j;
            } else {
                StringBuilder l = lines.get(row);
                while (l.length() < col) {
                    l.append(' ');
                }
                if (col < l.length()) {
                    l.setCharAt(col, c);
                } else {
                    l.append(c);
                }
                col++;
            }
        }
        return lines.stream().map(StringBuilder::toString).filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void onATerminalEveryActiveRunHasOneLineRedrawnInPlace() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Console c = new Console(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, true);
        for (int step = 0; step <= 100; step += 5) {
            c.progress("full-data", at("a", step));
            c.progress("logistic-baseline", at("b", Math.min(100, step * 2)));
        }
        java.util.List<String> shown = screen(bytes.toString(StandardCharsets.UTF_8));
        assertEquals(2, shown.size(), shown.toString());
        assertTrue(shown.get(0).startsWith("full-data") && shown.get(0).contains(" 100/100") && shown.get(0).endsWith("FINISHED"), shown.get(0));
        assertTrue(shown.get(1).startsWith("logistic-baseline") && shown.get(1).contains(" 100/100"), shown.get(1));
        c.say("full-data: PASS");
        c.progress("speed", at("c", 50));
        shown = screen(bytes.toString(StandardCharsets.UTF_8));
        assertEquals(java.util.List.of("full-data", "logistic-baseline", "» full-data: PASS", "speed"),
                shown.stream().map(l -> l.split(" {2,}| \\[")[0]).toList(), "a new block starts below the message");
    }

    @Test
    void inALogEachRunPrintsALinePerTenPercentAndNoEscapes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Console c = new Console(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, false);
        for (int step = 0; step <= 100; step++) {
            c.progress("full-data", at("a", step));
            c.progress("logistic-baseline", at("b", step));
        }
        String log = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(log.contains("\u001b") || log.contains("\r"), "no terminal control in a log");
        long lines = log.lines().count();
        assertEquals(2 * 11, lines, log);
    }
}
