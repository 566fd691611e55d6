package dev.preflight.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docker-compose.yml: valid for docker-compose itself, and shaped as docs/operations.md promises. */
class ComposeFileTest {

    private final JsonNode compose = Repo.yaml(Repo.path("docker-compose.yml"));
    private final JsonNode services = compose.get("services");

    @Test
    void dockerComposeAcceptsTheFileWithThePasswordAndRefusesItWithout() {
        Repo.requireTool("docker-compose", "docker-compose");
        Map<String, String> env = new HashMap<>();
        env.put("GRAFANA_ADMIN_PASSWORD", "check-only");
        Repo.Result ok = Repo.run(env, "docker-compose", "-f", "docker-compose.yml", "config", "-q");
        assertEquals(0, ok.exitCode(), ok.output());
        Repo.Result gpu = Repo.run(env, "docker-compose", "-f", "docker-compose.yml", "--profile", "gpu", "--profile", "tensorboard", "config", "-q");
        assertEquals(0, gpu.exitCode(), gpu.output());

        env.put("GRAFANA_ADMIN_PASSWORD", null);
        Repo.Result noPassword = Repo.run(env, "docker-compose", "-f", "docker-compose.yml", "config", "-q");
        assertNotEquals(0, noPassword.exitCode(), "Grafana must not start with a default admin password");
        assertTrue(noPassword.output().contains("GRAFANA_ADMIN_PASSWORD"), noPassword.output());
    }

    @Test
    void trainersScaleFreelyWithoutFixedNamesOrHostPorts() {
        for (String trainer : new String[] {"trainer-service", "trainer-service-gpu"}) {
            JsonNode t = services.get(trainer);
            assertFalse(t.has("container_name"), trainer + ": a fixed name allows one replica only");
            assertFalse(t.has("ports"), trainer + ": a fixed host port allows one replica only");
        }
    }

    @Test
    void everyServiceIsHealthCheckedAndMemoryLimited() {
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            var e = it.next();
            assertTrue(e.getValue().has("mem_limit"), e.getKey() + " has no memory limit");
            if (!e.getKey().equals("tensorboard")) {
                assertTrue(e.getValue().path("healthcheck").has("test"), e.getKey() + " has no healthcheck");
            }
        }
    }

    @Test
    void theFourServicesAreBuiltFromTheirDockerfileOnAGlibcBase() throws Exception {
        for (String module : Repo.SERVICES) {
            JsonNode build = services.get(module).get("build");
            assertEquals("./" + module, build.get("context").asText());
            assertEquals("src/main/docker/Dockerfile.jvm", build.get("dockerfile").asText());
            Path dockerfile = Repo.path(module).resolve(build.get("dockerfile").asText());
            String text = Files.readString(dockerfile);
            text.lines().filter(l -> l.startsWith("FROM ") || l.startsWith("COPY --from="))
                    .forEach(l -> assertFalse(l.toLowerCase().contains("alpine"), dockerfile + ": TensorFlow's natives need glibc: " + l));
            assertTrue(text.lines().anyMatch(l -> l.startsWith("FROM eclipse-temurin:17")), dockerfile + " runs on Temurin 17");
            assertTrue(text.contains("EXPOSE " + Repo.httpPort(module)), dockerfile + " must expose " + Repo.httpPort(module));
            for (String part : new String[] {"target/quarkus-app/lib/", "target/quarkus-app/*.jar", "target/quarkus-app/app/", "target/quarkus-app/quarkus/"}) {
                assertTrue(text.contains("COPY --chown=185 " + part), dockerfile + " copies " + part);
            }
            assertEquals("kafka:9092", services.get(module).get("environment").get("KAFKA_BOOTSTRAP_SERVERS").asText(), module);
            assertTrue(services.get(module).get("depends_on").get("kafka").get("condition").asText().equals("service_healthy"));
        }
        assertTrue(Files.readString(Repo.path("trainer-service/src/main/docker/Dockerfile.jvm")).contains("FROM ${RUNTIME}"));
    }

    @Test
    void theGpuProfileReservesAGpuAndBuildsTheGpuRuntime() {
        JsonNode gpu = services.get("trainer-service-gpu");
        assertEquals("gpu", gpu.get("profiles").get(0).asText());
        assertEquals("gpu", gpu.get("build").get("args").get("RUNTIME").asText());
        JsonNode device = gpu.at("/deploy/resources/reservations/devices/0");
        assertEquals("nvidia", device.get("driver").asText());
        assertEquals("gpu", device.get("capabilities").get(0).asText());
        assertEquals("cpu", services.get("trainer-service").get("build").get("args").get("RUNTIME").asText());
    }

    @Test
    void kafkaIsKraftOnTheOfficialImageWithTheMessageSizeTheServicesUse() {
        JsonNode kafka = services.get("kafka");
        assertTrue(kafka.get("image").asText().startsWith("apache/kafka:4.1."), kafka.get("image").asText());
        JsonNode env = kafka.get("environment");
        assertEquals("broker,controller", env.get("KAFKA_PROCESS_ROLES").asText());
        assertEquals(String.valueOf(dev.preflight.wire.Topics.MAX_MESSAGE_BYTES), env.get("KAFKA_MESSAGE_MAX_BYTES").asText());
        assertEquals("false", env.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE").asText());
    }

    @Test
    void grafanaIsProvisionedFromTheRepositoryAndHasNoAnonymousAccess() {
        JsonNode grafana = services.get("grafana");
        JsonNode env = grafana.get("environment");
        assertTrue(env.get("GF_SECURITY_ADMIN_PASSWORD").asText().startsWith("${GRAFANA_ADMIN_PASSWORD:?"));
        assertEquals("false", env.get("GF_AUTH_ANONYMOUS_ENABLED").asText());
        for (JsonNode volume : grafana.get("volumes")) {
            String host = volume.asText().split(":")[0];
            if (host.startsWith("./")) {
                assertTrue(Files.isDirectory(Repo.path(host.substring(2))), "mounted but missing: " + host);
            }
        }
        for (JsonNode volume : services.get("prometheus").get("volumes")) {
            String host = volume.asText().split(":")[0];
            if (host.startsWith("./")) {
                assertTrue(Files.isRegularFile(Repo.path(host.substring(2))), "mounted but missing: " + host);
            }
        }
    }
}
