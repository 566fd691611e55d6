package dev.preflight.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** The repository being checked, and the small parsing helpers every check shares. */
final class Repo {

    static final Path HOME = Path.of(System.getProperty("preflight.home", "..")).toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();
    static final YAMLMapper YAML = new YAMLMapper();

    /** The four services: module directory and the HTTP port its application.properties sets. */
    static final List<String> SERVICES = List.of("data-service", "trainer-service", "eval-service", "metrics-gateway");

    private Repo() {
    }

    static Path path(String relative) {
        return HOME.resolve(relative);
    }

    /**
     * One YAML document as a tree, through SnakeYAML so that anchors, aliases and merge keys ({@code <<: *service},
     * which docker-compose.yml uses) are resolved as docker-compose resolves them; Jackson's YAML parser keeps them raw.
     */
    static JsonNode yaml(Path file) {
        try (var in = Files.newInputStream(file)) {
            Object loaded = new org.yaml.snakeyaml.Yaml().load(in);
            return JSON.valueToTree(loaded);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    /** Every YAML document of a multi-document file, each as text (for typed parsing) and as a tree. */
    static List<String> yamlDocuments(Path file) {
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
            List<String> docs = new ArrayList<>();
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode node = it.next();
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    docs.add(YAML.writeValueAsString(node));
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    /** The service's HTTP port, from its application.properties (the one the images and manifests must expose). */
    static int httpPort(String module) {
        Properties p = new Properties();
        try (var in = Files.newInputStream(path(module + "/src/main/resources/application.properties"))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Integer.parseInt(p.getProperty("quarkus.http.port").trim());
    }

    /**
     * Runs a tool the check needs. Missing tools skip the check visibly on a laptop, but fail it in CI (where the
     * environment variable CI is set), naming the Debian package that provides it: a validation CI silently skips is
     * no validation.
     */
    static void requireTool(String tool, String debianPackage) {
        boolean found = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, tool)));
        String message = tool + " is not on the PATH: install the Debian package '" + debianPackage
                + "' (apt-get install -y " + debianPackage + ")";
        if (!found) {
            if (System.getenv("CI") != null) {
                Assertions.fail(message + "; CI must run this check");
            }
            Assumptions.abort(message + "; skipped outside CI");
        }
    }

    /**
     * python3 must import each module. As {@link #requireTool}: missing, the check is skipped visibly on a laptop and
     * fails in CI, naming the pip command that installs the modules (.ci/run runs it).
     */
    static void requirePython(String pipInstall, String... modules) {
        String imports = "import " + String.join(", ", modules);
        Result r;
        try {
            r = run(Map.of("TF_CPP_MIN_LOG_LEVEL", "3"), "python3", "-c", imports);
        } catch (UncheckedIOException e) {
            r = new Result(-1, "python3 cannot be started: " + e.getCause().getMessage());
        }
        if (r.exitCode() == 0) {
            return;
        }
        String[] lines = r.output().strip().split("\n");
        String message = "python3 -c '" + imports + "' failed (" + lines[lines.length - 1] + "): run " + pipInstall;
        if (System.getenv("CI") != null) {
            Assertions.fail(message + "; CI must run this check");
        }
        Assumptions.abort(message + "; skipped outside CI");
    }

    record Result(int exitCode, String output) {
    }

    static Result run(Map<String, String> env, String... command) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(HOME.toFile()).redirectErrorStream(true);
        // A null value removes the variable: how a test runs a command without something the caller has set.
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            return new Result(p.waitFor(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
