package dev.preflight.gateway.service;

import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.gateway.messaging.WeightsPublisher;
import dev.preflight.gateway.model.WeightsUpload;
import dev.preflight.keras.KerasException;
import dev.preflight.keras.KerasModel;
import dev.preflight.keras.KerasWeightsFile;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.WeightsUploads;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keras weight files sent to the gateway: checked as HDF5 Keras weights, stored on Kafka for the trainer replicas
 * ({@link WeightsUploads}), and checked again, layer by layer, against the definition of each run that names one.
 *
 * <p>The gateway keeps only the layer shapes of the uploads it has seen (not the values); a gateway that did not take
 * an upload reads it back from Kafka once to learn them.
 */
@ApplicationScoped
public class UploadedWeightsService {

    /** Why an upload was refused: the status to answer with and the message naming the problem. */
    public static final class RefusedException extends RuntimeException {
        private final int status;

        RefusedException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** An upload whose chunks Kafka did not take: 503, nothing usable stored. */
    public static final class StoreFailedException extends RuntimeException {
        StoreFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final GatewayConfig config;
    private final WeightsPublisher publisher;
    /** Per upload id, its layers' shapes (values dropped). */
    private final Map<String, KerasWeightsFile> shapes = new ConcurrentHashMap<>();

    public UploadedWeightsService(GatewayConfig config, WeightsPublisher publisher) {
        this.config = config;
        this.publisher = publisher;
    }

    /**
     * Reads the body (at most {@code preflight.gateway.max-weights-size}), checks it is a Keras weights file, stores it.
     *
     * @throws RefusedException 413 over the limit; 400 empty, not HDF5, or no layer weights in it
     * @throws StoreFailedException Kafka did not take it
     */
    public WeightsUpload upload(InputStream body) {
        long limit = config.maxWeightsSize().asLongValue();
        Path tmp = null;
        try {
            tmp = Files.createTempFile("preflight-weights-upload", ".h5");
            MessageDigest sha = WeightsUploads.sha256();
            long bytes = 0;
            try (InputStream in = body; OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    bytes += n;
                    if (bytes > limit) {
                        throw new RefusedException(413, tooLarge(null, limit));
                    }
                    out.write(buf, 0, n);
                    sha.update(buf, 0, n);
                }
            }
            if (bytes == 0) {
                throw new RefusedException(400, "the body is empty: send the weights file's bytes (application/octet-stream)");
            }
            KerasWeightsFile file;
            try {
                file = KerasWeightsFile.read(tmp);
            } catch (IllegalArgumentException e) {
                throw new RefusedException(400, "not a Keras HDF5 weights file: " + e.getMessage());
            }
            if (file.layers().isEmpty()) {
                throw new RefusedException(400, "the HDF5 file holds no layer weights (neither Keras 3's layers/<layer>/vars/<i> "
                        + "nor Keras 2's layer groups with weight_names)");
            }
            byte[] digest = sha.digest();
            String id = WeightsUploads.idOf(digest);
            try {
                publisher.publish(tmp, digest);
            } catch (Exception e) {
                throw new StoreFailedException("Kafka did not take weights upload " + id + ": " + e.getMessage(), e);
            }
            KerasWeightsFile kept = shapesOnly(file);
            shapes.put(id, kept);
            Map<String, List<long[]>> layers = new LinkedHashMap<>();
            kept.layers().forEach((name, w) -> layers.put(name, w.shapes()));
            return new WeightsUpload(id, WeightsUploads.REFERENCE_PREFIX + id, bytes, file.keras3() ? "keras3" : "keras2", layers);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot buffer the upload: " + e.getMessage(), e);
        } finally {
            delete(tmp);
        }
    }

    /**
     * What is wrong with a run's {@code kerasWeights: "upload:<id>"} (empty when nothing is, or when it is a path the
     * trainer reads): an unknown upload, or a layer whose weights differ in number or shape from the definition's,
     * named. Shapes are checked when the definition declares its input shape (otherwise the trainer checks them
     * against the data's). Blocking: may read the upload from Kafka.
     */
    public List<String> problems(ModelConfig model) {
        String id = WeightsUploads.uploadId(model.kerasWeights());
        if (id == null || !model.fromKeras() || model.keras() == null) {
            return List.of();
        }
        KerasWeightsFile file = shapes.computeIfAbsent(id, this::readBack);
        if (file == null) {
            return List.of("model.kerasWeights '" + model.kerasWeights() + "': no such upload (POST /api/models/weights answers "
                    + "with the reference)");
        }
        try {
            KerasModel keras = KerasModel.parse(model.keras());
            if (keras.declaredInputShape() == null) {
                return List.of();
            }
            file.match(keras.infer(null).weights(), keras.keras3WeightPaths());
            return List.of();
        } catch (KerasException e) {
            return List.of(); // the definition's own problems are reported by the spec's validation
        } catch (IllegalArgumentException e) {
            return List.of("model.kerasWeights '" + model.kerasWeights() + "': " + e.getMessage());
        }
    }

    /** The 413 message, for a declared Content-Length ({@code bytes}) or a body counted while read (null). */
    public static String tooLarge(Long bytes, long limit) {
        return "weights file " + (bytes == null ? "" : "of " + bytes + " bytes ") + "is over the limit of " + limit
                + " bytes (preflight.gateway.max-weights-size)";
    }

    private KerasWeightsFile readBack(String id) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("preflight-weights-" + id, ".h5");
            return publisher.fetch(id, tmp) ? shapesOnly(KerasWeightsFile.read(tmp)) : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(tmp);
        }
    }

    private static KerasWeightsFile shapesOnly(KerasWeightsFile file) {
        Map<String, KerasWeightsFile.LayerWeights> layers = new LinkedHashMap<>();
        file.layers().forEach((name, w) -> layers.put(name, new KerasWeightsFile.LayerWeights(w.shapes(), List.of())));
        return new KerasWeightsFile(file.keras3(), layers);
    }

    private static void delete(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }
}
