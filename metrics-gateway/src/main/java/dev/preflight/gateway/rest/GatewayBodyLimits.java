package dev.preflight.gateway.rest;

import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.gateway.service.UploadedWeightsService;
import dev.preflight.rest.BodyLimits;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The gateway's body limits: the weights upload ({@value #WEIGHTS_UPLOAD_PATH}) takes a file of up to
 * {@code preflight.gateway.max-weights-size}; every other endpoint takes JSON of up to
 * {@code preflight.gateway.max-json-body-size}. Checked from Content-Length before a body is read (shared
 * {@code HttpErrors}).
 */
@ApplicationScoped
public class GatewayBodyLimits implements BodyLimits {

    /** The path of the one endpoint that takes a large body (a weights file). */
    static final String WEIGHTS_UPLOAD_PATH = "/api/models/weights";

    private final long maxJsonBytes;
    private final long maxWeightsBytes;

    public GatewayBodyLimits(GatewayConfig config) {
        this.maxJsonBytes = config.maxJsonBodySize().asLongValue();
        this.maxWeightsBytes = config.maxWeightsSize().asLongValue();
    }

    @Override
    public long maxBytes(String path) {
        return WEIGHTS_UPLOAD_PATH.equals(path) ? maxWeightsBytes : maxJsonBytes;
    }

    @Override
    public String tooLarge(String path, Long bytes) {
        return WEIGHTS_UPLOAD_PATH.equals(path) ? UploadedWeightsService.tooLarge(bytes, maxWeightsBytes)
                : "request body " + (bytes == null ? "" : "of " + bytes + " bytes ") + "is over the limit of " + maxJsonBytes
                        + " bytes (preflight.gateway.max-json-body-size)";
    }

    @Override
    public String accepts(String path) {
        return WEIGHTS_UPLOAD_PATH.equals(path) ? "application/octet-stream (the HDF5 file's bytes)" : "application/json";
    }
}
