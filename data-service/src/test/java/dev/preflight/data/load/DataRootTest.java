package dev.preflight.data.load;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** Loader tests: each gets a fresh data root under a temp directory, as the data-service has one. */
abstract class DataRootTest {

    @TempDir
    Path tmp;
    Path rootDir;
    DataRoot root;

    @BeforeEach
    void setUpRoot() throws Exception {
        rootDir = Files.createDirectories(tmp.resolve("root"));
        root = new DataRoot(rootDir);
    }
}
