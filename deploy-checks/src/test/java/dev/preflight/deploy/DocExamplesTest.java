package dev.preflight.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The docs-example extractor on Markdown written the way the README is: what CI then runs must be what a reader copies. */
class DocExamplesTest {

    @TempDir
    Path dir;

    @Test
    void commandsAreJoinedAcrossContinuationsAndQuotedBodiesAndLoseTheirComments() throws Exception {
        Files.writeString(dir.resolve("x.md"), String.join("\n",
                "Some prose with ./preflight demo that is not code.",
                "```bash",
                "./preflight kill RUN --reason \"not promising\"   # needs the gateway's API key",
                "./preflight status   # runs (default localhost:8080)",
                "curl -s -XPOST localhost:8080/api/x -H 'A: b' \\",
                "  -d '{\"a\": 1}'",
                "curl -s -XPOST localhost:8080/api/runs -d '{",
                "  \"steps\": 300}'",
                "mvn verify",
                "```",
                "```json",
                "./preflight inside-json-is-not-a-command",
                "```",
                "<!-- docs-test: exit=2 -->",
                "```bash",
                "./preflight run --balance x",
                "```"));
        List<DocExamples.Example> e = DocExamples.parse(dir, "x.md");
        assertEquals(List.of("./preflight kill RUN --reason \"not promising\"", "./preflight status",
                "curl -s -XPOST localhost:8080/api/x -H 'A: b'  -d '{\"a\": 1}'", "curl -s -XPOST localhost:8080/api/runs -d '{\n  \"steps\": 300}'",
                "./preflight run --balance x"), e.stream().map(DocExamples.Example::command).toList());
        assertEquals(List.of(3, 4, 5, 7, 16), e.stream().map(DocExamples.Example::line).toList());
        assertEquals(List.of(0, 0, 0, 0, 2), e.stream().map(DocExamples.Example::expectedExit).toList());
    }
}
