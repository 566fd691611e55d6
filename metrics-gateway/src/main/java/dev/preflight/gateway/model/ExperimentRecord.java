package dev.preflight.gateway.model;

import dev.preflight.recipe.Report;
import dev.preflight.recipe.StageResult;
import dev.preflight.wire.Json;
import dev.preflight.wire.WireFormatException;

import java.util.List;

/**
 * One experiment as kept on {@code preflight.experiments} (compacted, keyed by experiment id): its whole state in
 * every record, so the latest record alone rebuilds it after a gateway restart. Only gateways write and read it.
 *
 * @param experimentId {@code exp-…}, the key
 * @param state        RUNNING, DONE, ERROR or INTERRUPTED (see {@link ExperimentState})
 * @param gateway      the gateway process that climbs (or climbed) it: a restarted gateway is another process, so a
 *                     RUNNING record written by another gateway is an experiment nobody climbs any more
 * @param request      what was asked
 * @param stage        RUNNING and INTERRUPTED: the stage being climbed when the record was written; null otherwise
 * @param stages       the stages judged so far, in ladder order
 * @param report       DONE: report.json
 * @param html         DONE: report.html (ECharts inlined, about 1 MB; the topic and producer allow 16 MiB, gzip)
 * @param error        ERROR and INTERRUPTED: why it stopped
 * @param startedAtMs  when the experiment was started (epoch ms)
 * @param updatedAtMs  when this record was written (epoch ms)
 */
public record ExperimentRecord(String experimentId, ExperimentState state, String gateway, ExperimentRequest request,
                               String stage, List<StageResult> stages, Report report, String html, String error,
                               long startedAtMs, long updatedAtMs) {

    public ExperimentRecord {
        stages = stages == null ? List.of() : List.copyOf(stages);
    }

    /** Strict decoding; a record without id, state, gateway or request is a {@link WireFormatException}. */
    public static ExperimentRecord decode(byte[] bytes) {
        ExperimentRecord r = Json.decode(bytes, ExperimentRecord.class);
        if (r.experimentId() == null || r.state() == null || r.gateway() == null || r.request() == null) {
            throw new WireFormatException("ExperimentRecord needs experimentId, state, gateway and request");
        }
        return r;
    }
}
