package dev.preflight.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusConfigTest {

    static Duration duration(String text) {
        return Duration.parse("PT" + text.toUpperCase());
    }

    @Test
    void composeConfigScrapesEveryServicesMetricsAtTheirPortEveryTwoSecondsAtMost() {
        JsonNode config = Repo.yaml(Repo.path("deploy/prometheus/prometheus.yml"));
        assertTrue(duration(config.at("/global/scrape_interval").asText()).compareTo(Duration.ofSeconds(2)) <= 0);
        Map<String, JsonNode> jobs = new HashMap<>();
        config.get("scrape_configs").forEach(j -> jobs.put(j.get("job_name").asText(), j));
        for (String service : Repo.SERVICES) {
            JsonNode job = jobs.get(service);
            assertTrue(job != null, "no scrape job " + service);
            assertEquals("/q/metrics", job.get("metrics_path").asText());
            JsonNode sd = job.get("dns_sd_configs").get(0);
            assertEquals(Repo.httpPort(service), sd.get("port").asInt(), service);
            Set<String> names = new HashSet<>();
            sd.get("names").forEach(n -> names.add(n.asText()));
            assertTrue(names.contains(service), service + " is found by its compose service name");
            if (job.has("scrape_interval")) {
                assertTrue(duration(job.get("scrape_interval").asText()).compareTo(Duration.ofSeconds(2)) <= 0);
            }
        }
        // Every compose service Prometheus looks up exists (a typo would be a job without targets).
        JsonNode composeServices = Repo.yaml(Repo.path("docker-compose.yml")).get("services");
        jobs.values().forEach(j -> j.path("dns_sd_configs").forEach(sd -> sd.get("names")
                .forEach(n -> assertTrue(composeServices.has(n.asText()), "no compose service " + n.asText()))));
    }

    @Test
    void localConfigUsesTheSameJobNamesThroughTargetFiles() {
        JsonNode config = Repo.yaml(Repo.path("deploy/prometheus/prometheus-local.yml"));
        assertTrue(duration(config.at("/global/scrape_interval").asText()).compareTo(Duration.ofSeconds(2)) <= 0);
        JsonNode job = config.get("scrape_configs").get(0);
        assertEquals("/q/metrics", job.get("metrics_path").asText());
        assertEquals("targets/*.json", job.at("/file_sd_configs/0/files/0").asText());
    }

    @Test
    void promtoolAcceptsBothConfigs() throws Exception {
        Repo.requireTool("promtool", "prometheus");
        Repo.Result compose = Repo.run(Map.of(), "promtool", "check", "config", "deploy/prometheus/prometheus.yml");
        assertEquals(0, compose.exitCode(), compose.output());
        // The local variant needs its target directory next to it, as the e2e test lays it out.
        Path dir = Files.createTempDirectory("prometheus-local");
        Files.copy(Repo.path("deploy/prometheus/prometheus-local.yml"), dir.resolve("prometheus.yml"));
        Files.createDirectories(dir.resolve("targets"));
        Files.writeString(dir.resolve("targets/gateway.json"), "[{\"targets\": [\"localhost:8080\"], \"labels\": {\"job\": \"metrics-gateway\"}}]");
        Repo.Result local = Repo.run(Map.of(), "promtool", "check", "config", dir.resolve("prometheus.yml").toString());
        assertEquals(0, local.exitCode(), local.output());
    }
}
