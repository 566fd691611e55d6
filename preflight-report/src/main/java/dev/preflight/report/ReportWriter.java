package dev.preflight.report;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.preflight.recipe.Report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes report.json atomically (temp file + move): a reader never sees half a report. */
public final class ReportWriter {

    private ReportWriter() {
    }

    /** Temp files are created owner-only; a report is meant to be shared. Best effort on non-POSIX file systems. */
    static void readableByAll(Path file) {
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // Windows and friends: the default ACL applies.
        }
    }

    public static Path write(Report report, Path dir) {
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve("report.json").toAbsolutePath();
            Path tmp = Files.createTempFile(dir, "report", ".json.tmp");
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValue(tmp.toFile(), report);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            ReportWriter.readableByAll(target);
            return target;
        } catch (IOException e) {
            throw new IllegalStateException("cannot write report.json to " + dir + ": " + e.getMessage(), e);
        }
    }
}
