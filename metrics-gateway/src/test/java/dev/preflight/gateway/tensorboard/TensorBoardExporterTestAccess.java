package dev.preflight.gateway.tensorboard;

import dev.preflight.gateway.config.GatewayConfig;

import java.nio.file.Path;

/** A hand-made {@link GatewayConfig} for tests that build the exporter without CDI. */
public final class TensorBoardExporterTestAccess {

    private TensorBoardExporterTestAccess() {
    }

    public static GatewayConfig config(Path tensorboardDir, String dataServiceUrl) {
        return TensorBoardExporterTest.config(tensorboardDir, dataServiceUrl);
    }
}
