package dev.preflight.ladder;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.recipe.Gallery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one stage leaves for the report besides its verdict: the runs it trained (with their exact histories), what
 * each run is within the stage (run id -> role, e.g. "model", "logistic baseline", "trial 2 (killed)"; a stage's only
 * run needs none), preview images by name (PNG bytes), the data-service's statistics (data-check only; null
 * elsewhere), and sample galleries (label-noise: the samples the model finds most surprising).
 */
public record StageArtifacts(List<RunWatcher.Finished> runs, Map<String, String> roles, Map<String, byte[]> previews,
                             JsonNode dataStats, List<Gallery> galleries) {

    public StageArtifacts(List<RunWatcher.Finished> runs, Map<String, String> roles, Map<String, byte[]> previews, JsonNode dataStats) {
        this(runs, roles, previews, dataStats, new ArrayList<>());
    }

    public StageArtifacts(List<RunWatcher.Finished> runs, Map<String, byte[]> previews, JsonNode dataStats) {
        this(runs, new HashMap<>(), previews, dataStats);
    }

    public StageArtifacts(List<RunWatcher.Finished> runs, Map<String, byte[]> previews) {
        this(runs, new HashMap<>(), previews, null);
    }

    /** The role the stage gave {@code runId}, or null when it gave none. */
    public String roleOf(String runId) {
        return roles == null ? null : roles.get(runId);
    }
}
