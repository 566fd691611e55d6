package dev.preflight.cli;

import dev.preflight.cli.command.DatasetPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A dataset folder given by path is registered in the format its layout says. */
class DatasetPathTest {

    @Test
    void inputsAndTargetsFoldersArePairedDataWithTheImageShape(@TempDir Path dir) throws Exception {
        Path pairs = Files.createDirectories(dir.resolve("Denoise Pairs"));
        Files.createDirectories(pairs.resolve("inputs"));
        Files.createDirectories(pairs.resolve("targets"));
        DatasetPath p = DatasetPath.detect(pairs);
        assertEquals("paired", p.format());
        assertEquals("denoise-pairs", p.name());
        assertEquals(Map.of("name", "denoise-pairs", "format", "paired", "path", "Denoise Pairs", "imageShape", List.of(16, 16, 1)),
                p.registration(List.of(16, 16, 1)));
    }
}
