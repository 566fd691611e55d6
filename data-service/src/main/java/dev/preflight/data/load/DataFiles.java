package dev.preflight.data.load;

import dev.preflight.data.model.Skipped;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Sorting a folder's entries into images, files that are not data, and OS clutter, the same way for every
 * folder-based loader. Clutter is what operating systems and NAS boxes write next to every copied file; it is dropped
 * without a word, because listing a {@code ._x.jpg} per image would bury what matters. Anything else that is not an
 * image (a sidecar .json per image, a README) is listed as ignored, never as corrupt: the images are fine.
 */
final class DataFiles {

    /** Extensions ImageIO reads here (GIF: first frame; TIFF: first page). */
    static final List<String> READABLE = List.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff");

    /** Image formats phones and browsers produce that ImageIO has no reader for: tried, then skipped with a hint. */
    static final Map<String, String> UNREADABLE = Map.of("webp", "WebP", "heic", "HEIC", "heif", "HEIC", "avif", "AVIF",
            "jxl", "JPEG XL");

    /**
     * Lower-case names of clutter: Windows thumbnail caches and folder settings, the macOS custom-icon file
     * ("Icon\r"), the folder macOS zip archives put resource forks in, Synology's thumbnail folders, and the folders
     * Windows puts on every USB drive. Dotfiles and dot-folders (.DS_Store, AppleDouble ._x.jpg, .ipynb_checkpoints)
     * are clutter too.
     */
    private static final Set<String> CLUTTER = Set.of("thumbs.db", "ehthumbs.db", "desktop.ini", "icon\r", "__macosx",
            "@eadir", "$recycle.bin", "system volume information");

    enum Kind {
        CLUTTER, DIRECTORY, IMAGE, OTHER
    }

    private DataFiles() {
    }

    static boolean isClutter(Path p) {
        String n = p.getFileName().toString();
        return n.startsWith(".") || CLUTTER.contains(n.toLowerCase(Locale.ROOT));
    }

    /** The lower-case extension without the dot, "" when there is none. */
    static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
    }

    /** IMAGE covers the formats ImageIO cannot read as well: they are images we fail on, so they count as skipped. */
    static Kind kind(Path p) {
        if (isClutter(p)) {
            return Kind.CLUTTER;
        }
        if (Files.isDirectory(p)) {
            return Kind.DIRECTORY;
        }
        String ext = extension(p);
        return READABLE.contains(ext) || UNREADABLE.containsKey(ext) ? Kind.IMAGE : Kind.OTHER;
    }

    /** The ignored-file entry for a file that is not an image. */
    static Skipped notAnImage(Path f, DataRoot root) {
        String ext = extension(f);
        return new Skipped(root.show(f), "not an image: " + (ext.isEmpty() ? "no file extension" : "." + ext));
    }

    /**
     * Entries of {@code dir} without clutter, sorted by name so every load sees the same order.
     *
     * @throws PathRejectedException when {@code dir} resolves outside the data root
     * @throws LoadException         when the folder cannot be listed
     */
    static List<Path> list(Path dir, DataRoot root) {
        root.inside(dir, root.show(dir));
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !isClutter(p)).sorted().toList();
        } catch (IOException e) {
            throw new LoadException("cannot list " + root.show(dir) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Image files anywhere below {@code dir} (clutter and symlinks not followed), without decoding: what a note about
     * misplaced or left-out images quotes.
     */
    static int countImages(Path dir) {
        int[] count = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    return !d.equals(dir) && isClutter(d) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && kind(f) == Kind.IMAGE) {
                        count[0]++;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // Only a hint in a note: an unreadable corner of the tree just is not counted.
        }
        return count[0];
    }
}
