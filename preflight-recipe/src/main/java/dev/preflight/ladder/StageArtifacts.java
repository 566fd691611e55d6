package dev.preflight.ladder;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * What one stage leaves for the report besides its verdict: the runs it trained (with their exact histories), preview
 * images by name (PNG bytes), and the data-service's statistics (data-check only; null elsewhere).
 */
public record StageArtifacts(List<RunWatcher.Finished> runs, Map<String, byte[]> previews, JsonNode dataStats) {
    public StageArtifacts(List<RunWatcher.Finished> runs, Map<String, byte[]> previews) {
        this(runs, previews, null);
    }
}
