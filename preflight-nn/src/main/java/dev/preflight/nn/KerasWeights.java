package dev.preflight.nn;

import dev.preflight.keras.KerasModel;
import dev.preflight.keras.KerasWeightsFile;
import dev.preflight.wire.NamedTensor;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;

import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras weight files for a model's variables: read and matched by layer name with {@link KerasWeightsFile} (in
 * preflight-wire, TF-free, so the gateway checks an upload the same way), written here in Keras 3's layout with jhdf.
 */
public final class KerasWeights {

    private KerasWeights() {
    }

    /** Every layer's weights in the file, by the name the file gives them. */
    public static Map<String, KerasWeightsFile.LayerWeights> read(Path file) {
        return KerasWeightsFile.read(file).layers();
    }

    /**
     * The values {@code file} gives the model's variables, by Keras layer name.
     *
     * @param layers per Keras layer, its variables in Keras' order (name and shape)
     * @return the tensors to assign, named as the model's variables; layers the file lacks are left out
     * @throws IllegalArgumentException naming the layer and weight whose count or shape differ, or when no layer matches
     */
    static List<NamedTensor> match(Path file, Map<String, List<NamedTensor>> layers, Map<String, String> keras3Paths) {
        Map<String, List<KerasModel.Weight>> expected = new LinkedHashMap<>();
        layers.forEach((layer, vars) -> expected.put(layer, vars.stream().map(v -> new KerasModel.Weight(v.name(), v.shape())).toList()));
        List<NamedTensor> out = new ArrayList<>();
        KerasWeightsFile.read(file).match(expected, keras3Paths).forEach((layer, w) -> {
            List<NamedTensor> vars = layers.get(layer);
            for (int i = 0; i < vars.size(); i++) {
                out.add(new NamedTensor(vars.get(i).name(), vars.get(i).shape(), w.values().get(i)));
            }
        });
        return out;
    }

    /**
     * Writes weights in Keras 3's {@code .weights.h5} layout ({@code layers/<path>/vars/<i>}), which Keras' load_weights
     * reads.
     *
     * @param layers by Keras layer name; written under {@code keras3Paths}' name for it (Keras 3's naming)
     */
    public static void write(Path file, Map<String, List<NamedTensor>> layers, Map<String, String> keras3Paths) {
        try (WritableHdfFile hdf = HdfFile.write(file)) {
            WritableGroup root = hdf.putGroup("layers");
            for (Map.Entry<String, List<NamedTensor>> e : layers.entrySet()) {
                WritableGroup vars = root.putGroup(keras3Paths.getOrDefault(e.getKey(), e.getKey())).putGroup("vars");
                for (int i = 0; i < e.getValue().size(); i++) {
                    NamedTensor t = e.getValue().get(i);
                    vars.putDataset(String.valueOf(i), nest(t.values(), t.shape()));
                }
            }
        }
    }

    /** A row-major float[] as a nested Java array of the given shape (what jhdf writes as an n-d dataset). */
    static Object nest(float[] flat, long[] shape) {
        if (shape.length == 0) {
            return flat;
        }
        if (shape.length == 1) {
            return flat.clone();
        }
        int[] dims = Arrays.stream(shape).mapToInt(d -> (int) d).toArray();
        Object out = Array.newInstance(float.class, dims);
        int inner = dims[dims.length - 1];
        int rows = flat.length / inner;
        for (int r = 0; r < rows; r++) {
            Object row = out;
            int rem = r;
            int[] idx = new int[dims.length - 1];
            for (int a = dims.length - 2; a >= 0; a--) {
                idx[a] = rem % dims[a];
                rem /= dims[a];
            }
            for (int a = 0; a < idx.length - 1; a++) {
                row = Array.get(row, idx[a]);
            }
            System.arraycopy(flat, r * inner, Array.get(row, idx[idx.length - 1]), 0, inner);
        }
        return out;
    }
}
