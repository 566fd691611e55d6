package dev.preflight.data.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The directory every registered dataset must live in. Paths from users are relative to it, may not contain
 * {@code ..}, and must still be inside it after every symlink is resolved: a registration must never be able to read
 * files the operator did not put under the root.
 */
public final class DataRoot {

    private final Path real;

    public DataRoot(Path root) {
        try {
            Files.createDirectories(root);
            this.real = root.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the data root " + root.toAbsolutePath(), e);
        }
    }

    public Path path() {
        return real;
    }

    /**
     * The real path of {@code relative} under the root.
     *
     * @throws PathRejectedException when the path is absolute, contains {@code ..}, does not exist, or resolves
     *                               (through a symlink) outside the root
     */
    public Path resolve(String relative) {
        if (relative == null || relative.isBlank()) {
            throw new PathRejectedException("path is required (relative to the data root)");
        }
        Path p;
        try {
            p = Path.of(relative);
        } catch (InvalidPathException e) {
            throw new PathRejectedException("path '" + relative + "' is not a valid path: " + e.getReason());
        }
        if (p.isAbsolute()) {
            throw new PathRejectedException("path '" + relative + "' must be relative to the data root, not absolute");
        }
        for (Path part : p) {
            if (part.toString().equals("..")) {
                throw new PathRejectedException("path '" + relative + "' must not contain '..' (it would leave the data root)");
            }
        }
        Path resolved = real.resolve(p).normalize();
        if (!Files.exists(resolved)) {
            throw new PathRejectedException("path '" + relative + "' does not exist under the data root");
        }
        return inside(resolved, relative);
    }

    /** The real path of {@code file} if it is under the root. */
    public Path inside(Path file, String shownAs) {
        Path r;
        try {
            r = file.toRealPath();
        } catch (IOException e) {
            throw new PathRejectedException("path '" + shownAs + "' cannot be resolved: " + e.getMessage());
        }
        if (!r.startsWith(real)) {
            throw new PathRejectedException("path '" + shownAs + "' resolves outside the data root (symlink to " + r + ")");
        }
        return r;
    }

    /** How a file is named in messages and stats: relative to the root. */
    public String show(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        return abs.startsWith(real) ? real.relativize(abs).toString() : abs.toString();
    }
}
