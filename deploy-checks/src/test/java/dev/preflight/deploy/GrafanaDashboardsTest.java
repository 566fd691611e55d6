package dev.preflight.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GrafanaDashboardsTest {

    static final Path DASHBOARDS = Repo.path("deploy/grafana/dashboards");

    /** The uid of the provisioned Prometheus datasource, read from the provisioning file itself. */
    static String datasourceUid() {
        JsonNode ds = Repo.yaml(Repo.path("deploy/grafana/provisioning/datasources/prometheus.yml")).get("datasources");
        assertEquals(1, ds.size());
        assertEquals("prometheus", ds.get(0).get("type").asText());
        return ds.get(0).get("uid").asText();
    }

    static List<Path> dashboards() throws IOException {
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    /** Every non-row panel, nested rows included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            if ("row".equals(p.path("type").asText())) {
                p.path("panels").forEach(out::add);
            } else {
                out.add(p);
            }
        }
        return out;
    }

    @Test
    void theFourDashboardsExistWithUniqueUids() throws IOException {
        Set<String> titles = new HashSet<>();
        Set<String> uids = new HashSet<>();
        for (Path p : dashboards()) {
            JsonNode d = Repo.json(p);
            assertTrue(uids.add(d.get("uid").asText()), "duplicate uid in " + p);
            titles.add(d.get("title").asText());
        }
        assertEquals(Set.of("Preflight / Training", "Preflight / Input pipeline", "Preflight / Ablations", "Preflight / Services"), titles);
    }

    @Test
    void everyPanelAndVariableUsesTheProvisionedDatasourceAndEveryPanelHasAQuery() throws IOException {
        String uid = datasourceUid();
        for (Path p : dashboards()) {
            JsonNode d = Repo.json(p);
            List<JsonNode> panels = panels(d);
            assertFalse(panels.isEmpty(), p + " has no panels");
            for (JsonNode panel : panels) {
                String where = p.getFileName() + " panel '" + panel.path("title").asText() + "'";
                assertEquals(uid, panel.at("/datasource/uid").asText(), where);
                assertTrue(panel.path("targets").size() >= 1, where + " has no target");
                for (JsonNode target : panel.get("targets")) {
                    assertFalse(target.path("expr").asText().isBlank(), where + " target " + target.path("refId") + " has no expr");
                    assertEquals(uid, target.at("/datasource/uid").asText(), where + " target " + target.path("refId"));
                }
                assertTrue(panel.has("gridPos"), where);
            }
            for (JsonNode variable : d.at("/templating/list")) {
                if ("query".equals(variable.path("type").asText())) {
                    assertEquals(uid, variable.at("/datasource/uid").asText(), p + " variable " + variable.path("name"));
                }
            }
        }
    }

    @Test
    void theProviderReadsTheDirectoryComposeMounts() {
        String path = Repo.yaml(Repo.path("deploy/grafana/provisioning/dashboards/preflight.yml")).at("/providers/0/options/path").asText();
        boolean mounted = false;
        for (JsonNode v : Repo.yaml(Repo.path("docker-compose.yml")).at("/services/grafana/volumes")) {
            mounted |= v.asText().equals("./deploy/grafana/dashboards:" + path + ":ro");
        }
        assertTrue(mounted, "compose mounts deploy/grafana/dashboards at " + path);
    }
}
