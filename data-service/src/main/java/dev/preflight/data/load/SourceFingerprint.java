package dev.preflight.data.load;

import dev.preflight.wire.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;

/**
 * What a sample store was decoded from, as one SHA-256 (64 hex digits): the registration (format, options, image
 * shape), the decoder version, and the <b>listing</b> of the source: every file below the registered path (symlinks
 * followed; OS clutter and dotfiles, which no loader reads, left out) with its relative path, size in bytes and
 * modification time (nanosecond precision where the file system keeps it).
 *
 * <p>Why size and mtime and not a hash of the contents: hashing every byte of 20,000 JPEGs reads as much as decoding
 * them does, so a second run could not start in seconds; a listing is one {@code stat} per file (≈ 0.1 s for 60,000
 * files). Every ordinary change (a file added, removed, renamed, rewritten, copied over) changes a path, a size or an
 * mtime. What it misses: a rewrite to the same size within the file system's timestamp resolution, or a tool that
 * restores an older mtime on a same-size file ({@code cp -p}, {@code rsync -t}); delete the store file then (it is
 * rebuilt on next use).
 */
public final class SourceFingerprint {

    private SourceFingerprint() {
    }

    /**
     * @param r        the registration as given (every option is part of what the store holds)
     * @param source   the registered path, resolved under the data root: a directory or a file (csv)
     * @param decoder  the decoder version: bumped when a loader's output for the same files changes
     * @return 64 lower-case hex digits; a missing source gives a fingerprint of its own (the loader then fails)
     * @throws IOException when the source cannot be listed
     */
    public static String of(Registration r, Path source, int decoder) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        sha.update(("preflight sample store, decoder " + decoder + "\n").getBytes(StandardCharsets.UTF_8));
        sha.update(Json.encode(r));
        for (String line : listing(source)) {
            sha.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** "relative path \t size \t mtime \n" per regular file below {@code source}, sorted by path. */
    static List<String> listing(Path source) throws IOException {
        List<String> lines = new ArrayList<>();
        if (!Files.exists(source)) {
            lines.add("missing\n");
            return lines;
        }
        Files.walkFileTree(source, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                return !d.equals(source) && DataFiles.isClutter(d) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && (f.equals(source) || !DataFiles.isClutter(f))) {
                    lines.add(source.relativize(f) + "\t" + attrs.size() + "\t" + attrs.lastModifiedTime().toInstant() + "\n");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
                // A symlink loop or an unreadable entry: the loader reports it (or skips it); the listing notes it.
                lines.add(source.relativize(f) + "\tunreadable\n");
                return FileVisitResult.CONTINUE;
            }
        });
        lines.sort(null);
        return lines;
    }
}
