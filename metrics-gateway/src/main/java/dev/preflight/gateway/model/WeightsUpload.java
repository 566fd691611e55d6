package dev.preflight.gateway.model;

import java.util.List;
import java.util.Map;

/**
 * An accepted Keras weights upload ({@code POST /api/models/weights}).
 *
 * @param id        {@code w-} + the first 16 hex digits of the file's SHA-256: the same file always gets the same id
 * @param reference what a run spec's {@code model.kerasWeights} says to use it: {@code upload:<id>}
 * @param bytes     the file's size
 * @param layout    {@code keras3} ({@code .weights.h5}: {@code layers/<path>/vars/<i>}) or {@code keras2} ({@code .h5}
 *                  with {@code layer_names} / {@code weight_names})
 * @param layers    per layer the file holds (Keras 3: its path, e.g. {@code conv2d_1}), its weights' shapes in order
 */
public record WeightsUpload(String id, String reference, long bytes, String layout, Map<String, List<long[]>> layers) {
}
