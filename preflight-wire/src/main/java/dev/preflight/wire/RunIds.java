package dev.preflight.wire;

import java.util.UUID;
import java.util.regex.Pattern;

/** Run ids end up in topic names and URLs, so they are restricted to characters legal in both. */
public final class RunIds {
    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    private RunIds() {
    }

    public static String newId() {
        return "run-" + UUID.randomUUID().toString().substring(0, 13).replace("-", "");
    }

    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }
}
