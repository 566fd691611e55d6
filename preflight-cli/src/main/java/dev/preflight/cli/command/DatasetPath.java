package dev.preflight.cli.command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A dataset given as a path on the command line: its format, detected from what is there, and the registration the
 * data-service needs (the path's parent becomes the data root, so the dataset is registered by its own name).
 */
public record DatasetPath(Path path, String format, String name) {

    /**
     * @param imageShape [h, w, c] for image folders
     * @throws IllegalArgumentException naming what is wrong with the path
     */
    public static DatasetPath detect(Path path) {
        Path p = path.toAbsolutePath().normalize();
        if (!Files.exists(p)) {
            throw new IllegalArgumentException("dataset path " + path + " does not exist");
        }
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-").replaceAll("^[^a-z0-9]+", "");
        if (name.isEmpty()) {
            name = "dataset";
        }
        if (Files.isRegularFile(p)) {
            if (p.toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
                return new DatasetPath(p, "csv", name.replaceAll("\\.csv$", ""));
            }
            throw new IllegalArgumentException(path + " is a file but not a .csv; give a CSV file, an IDX directory or an image folder");
        }
        try (Stream<Path> children = Files.list(p)) {
            List<Path> list = children.toList();
            if (list.stream().anyMatch(c -> c.getFileName().toString().contains("idx"))) {
                return new DatasetPath(p, "idx", name);
            }
            if (Files.isDirectory(p.resolve("images")) && Files.isDirectory(p.resolve("masks"))) {
                return new DatasetPath(p, "segmentation", name);
            }
            if (Files.isDirectory(p.resolve("inputs")) && Files.isDirectory(p.resolve("targets"))) {
                return new DatasetPath(p, "paired", name);
            }
            if (list.stream().filter(Files::isDirectory).count() >= 2) {
                return new DatasetPath(p, "image-folder", name);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + path + ": " + e.getMessage());
        }
        throw new IllegalArgumentException(path + " is not a dataset Preflight knows: expected IDX files, a .csv file, "
                + "one sub-folder per class, images/ and masks/, or inputs/ and targets/");
    }

    /** The registration request, with the path relative to the data root (its parent). */
    public Map<String, Object> registration(List<Integer> imageShape) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", name);
        r.put("format", format);
        r.put("path", path.getFileName().toString());
        if (format.equals("image-folder") || format.equals("segmentation") || format.equals("paired")) {
            r.put("imageShape", imageShape);
        }
        return r;
    }

    public Path dataRoot() {
        return path.getParent();
    }
}
