package dev.preflight.trainer.messaging;

import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.WeightsUploads;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Resolves a run's {@code kerasWeights: "upload:<id>"} to a local file: the upload is read from its Kafka topic
 * ({@link WeightsUploads#fetch}) once per replica into a cache folder, named by its content-derived id (so a cached
 * file never goes stale), and the model config is given that path.
 */
public final class UploadedWeights {

    /** How long reading one upload from Kafka may take before the run fails with the reason. */
    static final Duration FETCH_TIMEOUT = Duration.ofMinutes(2);

    private UploadedWeights() {
    }

    /**
     * @return {@code config} itself when its weights are a path or absent; else a copy naming the local file
     * @throws IllegalArgumentException when the cluster holds no such upload
     */
    public static ModelConfig resolve(ModelConfig config, String bootstrap) {
        String id = WeightsUploads.uploadId(config.kerasWeights());
        if (id == null) {
            return config;
        }
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "preflight-weights", id + ".h5");
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!Files.isRegularFile(file) && !WeightsUploads.fetch(bootstrap, id, file, FETCH_TIMEOUT)) {
            throw new IllegalArgumentException("model.kerasWeights '" + config.kerasWeights() + "': the cluster holds no such upload "
                    + "(POST /api/models/weights gives the id)");
        }
        return config.toBuilder().kerasWeights(file.toString()).build();
    }
}
