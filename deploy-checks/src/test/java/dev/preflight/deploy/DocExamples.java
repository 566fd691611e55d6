package dev.preflight.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shell examples of the project's Markdown: every {@code ./preflight ...} and {@code curl ...} command inside a
 * fenced code block, with its file and line, joined across backslash continuations and across quoted strings that
 * span lines (a JSON body). A trailing {@code # comment} (two spaces or more before the hash) is dropped. A comment
 * line {@code <!-- docs-test: exit=N -->} right before a fence sets the exit code the block's commands must end with
 * (default 0).
 */
final class DocExamples {

    /** One example: where it stands and the command as written. */
    record Example(String file, int line, String command, int expectedExit) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + command;
        }
    }

    private DocExamples() {
    }

    static List<Example> parse(Path root, String file) throws IOException {
        List<String> lines = Files.readAllLines(root.resolve(file));
        List<Example> out = new ArrayList<>();
        boolean inShell = false;
        int expectedExit = 0;
        int pendingExit = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.trim();
            if (trimmed.startsWith("<!-- docs-test:")) {
                pendingExit = Integer.parseInt(trimmed.replaceAll(".*exit=(\\d+).*", "$1"));
                continue;
            }
            if (trimmed.startsWith("```")) {
                if (inShell || trimmed.length() > 3 && !trimmed.startsWith("```bash") && !trimmed.startsWith("```sh")) {
                    inShell = false;
                    if (!trimmed.equals("```")) {
                        // An opening fence of another language: skip to its close.
                        while (++i < lines.size() && !lines.get(i).trim().equals("```")) {
                            // inside a non-shell block
                        }
                    }
                } else {
                    inShell = true;
                    expectedExit = pendingExit;
                }
                pendingExit = 0;
                continue;
            }
            if (!inShell || !(trimmed.startsWith("./preflight ") || trimmed.startsWith("curl "))) {
                continue;
            }
            int start = i;
            // A comment is dropped line by line before quotes are balanced: "the gateway's key" is prose, not a quote.
            StringBuilder cmd = new StringBuilder(stripComment(trimmed).stripTrailing());
            while ((endsWithContinuation(cmd) || openQuote(cmd)) && i + 1 < lines.size()) {
                if (endsWithContinuation(cmd)) {
                    cmd.setLength(cmd.length() - 1);
                    cmd.append(' ').append(stripComment(lines.get(++i).trim()).stripTrailing());
                } else {
                    cmd.append('\n').append(lines.get(++i));
                }
            }
            out.add(new Example(file, start + 1, cmd.toString().trim(), expectedExit));
        }
        return out;
    }

    private static boolean endsWithContinuation(CharSequence s) {
        return s.length() > 0 && s.charAt(s.length() - 1) == '\\';
    }

    /** How far a line goes before a human comment, and whether a quote is still open there. */
    private record Scan(int end, boolean openQuote) {
    }

    /** Quotes are tracked; a '#' outside them with at least two spaces before it starts a comment. */
    private static Scan scan(CharSequence s) {
        char open = 0;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (open == 0 && (c == '\'' || c == '"')) {
                open = c;
            } else if (c == open) {
                open = 0;
            } else if (open == 0 && c == '#' && k >= 2 && s.charAt(k - 1) == ' ' && s.charAt(k - 2) == ' ') {
                return new Scan(k, false);
            }
        }
        return new Scan(s.length(), open != 0);
    }

    /** Whether a single- or double-quoted string is still open at the end. */
    static boolean openQuote(CharSequence s) {
        return scan(s).openQuote();
    }

    /** Drops a human comment. */
    static String stripComment(String s) {
        return s.substring(0, scan(s).end());
    }
}
