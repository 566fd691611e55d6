package dev.preflight.nn;

import dev.preflight.wire.NamedTensor;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;

import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras weight files (HDF5, read and written with jhdf, a pure-Java HDF5 library), by layer name.
 *
 * <p>Two layouts: Keras 3's {@code .weights.h5} ({@code layers/<layer>/vars/0, 1, ...}, in the layer's weight order)
 * and Keras 2's {@code .h5} ({@code [model_weights/]<layer>} groups whose {@code weight_names} attribute lists the
 * datasets in order). Layers the file does not hold keep their initial weights (Keras' {@code by_name} semantics: a new
 * head for another class count); a layer the file holds with another number or shape of weights is refused, naming the
 * layer and the weight.
 */
public final class KerasWeights {

    private KerasWeights() {
    }

    /** One layer's weights in Keras order: shapes and row-major values. */
    public record LayerWeights(List<long[]> shapes, List<float[]> values) {
    }

    /**
     * A weights file's layers: by layer name (Keras 2) or by Keras 3's path name ({@code conv2d_1}: see
     * {@link dev.preflight.keras.KerasModel#keras3WeightPaths()}).
     */
    public record Stored(boolean keras3, Map<String, LayerWeights> layers) {
    }

    /** Every layer's weights in the file, by the name the file gives them. */
    public static Map<String, LayerWeights> read(Path file) {
        return readStored(file).layers();
    }

    static Stored readStored(Path file) {
        Map<String, LayerWeights> out = new LinkedHashMap<>();
        boolean keras3 = false;
        try (HdfFile hdf = new HdfFile(file)) {
            Group root = hdf;
            if (child(root, "model_weights") instanceof Group g) {
                root = g;
            }
            if (child(root, "layers") instanceof Group layers && !(root.getAttribute("layer_names") != null)) {
                keras3 = true;
                for (Node layer : layers) {
                    if (layer instanceof Group g && child(g, "vars") instanceof Group vars) {
                        List<Dataset> ds = new ArrayList<>();
                        for (int i = 0; child(vars, String.valueOf(i)) instanceof Dataset d; i++) {
                            ds.add(d);
                        }
                        out.put(layer.getName(), weights(ds));
                    }
                }
            } else {
                for (Node layer : root) {
                    Attribute names = layer.getAttribute("weight_names");
                    if (!(layer instanceof Group g) || names == null) {
                        continue;
                    }
                    List<Dataset> ds = new ArrayList<>();
                    for (String n : strings(names.getData())) {
                        Node d = g.getByPath(n);
                        if (!(d instanceof Dataset dataset)) {
                            throw new IllegalArgumentException(file + ": layer '" + layer.getName() + "' lists weight '" + n + "' but holds no such dataset");
                        }
                        ds.add(dataset);
                    }
                    out.put(layer.getName(), weights(ds));
                }
            }
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new IllegalArgumentException("cannot read Keras weights " + file + ": " + e.getMessage(), e);
        }
        return new Stored(keras3, out);
    }

    private static Node child(Group g, String name) {
        return g.getChildren().get(name);
    }

    private static List<String> strings(Object data) {
        List<String> out = new ArrayList<>();
        if (data instanceof String s) {
            out.add(s);
        } else if (data != null && data.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(data); i++) {
                out.add(String.valueOf(Array.get(data, i)));
            }
        }
        return out;
    }

    private static LayerWeights weights(List<Dataset> ds) {
        List<long[]> shapes = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        for (Dataset d : ds) {
            shapes.add(Arrays.stream(d.getDimensions()).asLongStream().toArray());
            Object flat = d.getDataFlat();
            float[] v;
            if (flat instanceof float[] f) {
                v = f;
            } else if (flat instanceof double[] dd) {
                v = new float[dd.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) dd[i];
                }
            } else {
                throw new IllegalArgumentException("weight " + d.getPath() + " is " + d.getJavaType() + ", not float");
            }
            values.add(v);
        }
        return new LayerWeights(shapes, values);
    }

    /**
     * The values {@code file} gives the model's variables, by Keras layer name.
     *
     * @param layers per Keras layer, its variables in Keras' order (name and shape)
     * @return the tensors to assign, named as the model's variables; layers the file lacks are left out
     * @throws IllegalArgumentException naming the layer and weight whose count or shape differ, or when no layer matches
     */
    static List<NamedTensor> match(Path file, Map<String, List<NamedTensor>> layers, Map<String, String> keras3Paths) {
        Stored file3 = readStored(file);
        Map<String, LayerWeights> stored = file3.layers();
        List<NamedTensor> out = new ArrayList<>();
        for (Map.Entry<String, List<NamedTensor>> e : layers.entrySet()) {
            LayerWeights w = stored.get(file3.keras3() ? keras3Paths.getOrDefault(e.getKey(), e.getKey()) : e.getKey());
            if (w == null) {
                continue;
            }
            List<NamedTensor> vars = e.getValue();
            if (w.shapes().size() != vars.size()) {
                throw new IllegalArgumentException("layer '" + e.getKey() + "': the weights file has " + w.shapes().size()
                        + " weights, the model " + vars.size() + " (" + vars.stream().map(NamedTensor::name).toList() + ")");
            }
            for (int i = 0; i < vars.size(); i++) {
                NamedTensor v = vars.get(i);
                if (!Arrays.equals(w.shapes().get(i), v.shape())) {
                    throw new IllegalArgumentException("layer '" + e.getKey() + "' weight " + i + " (" + v.name() + "): the weights file has shape "
                            + Arrays.toString(w.shapes().get(i)) + ", the model " + Arrays.toString(v.shape()));
                }
                out.add(new NamedTensor(v.name(), v.shape(), w.values().get(i)));
            }
        }
        if (out.isEmpty() && !layers.isEmpty()) {
            throw new IllegalArgumentException("the weights file " + file + " holds none of the model's layers " + layers.keySet()
                    + " (it holds " + stored.keySet() + ")");
        }
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
