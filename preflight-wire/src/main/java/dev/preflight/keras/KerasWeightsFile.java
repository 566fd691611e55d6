package dev.preflight.keras;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;

import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Keras HDF5 weights file, read with jhdf (a pure-Java HDF5 library), TF-free: the gateway checks an uploaded file
 * against a definition with it, the trainer loads it ({@code dev.preflight.nn.KerasWeights}).
 *
 * <p>Two layouts: Keras 3's {@code .weights.h5} ({@code layers/<path>/vars/0, 1, ...}, in the layer's weight order,
 * the path named after the layer's class and position: {@link KerasModel#keras3WeightPaths()}) and Keras 2's
 * {@code .h5} ({@code [model_weights/]<layer>} groups whose {@code weight_names} attribute lists the datasets in order).
 * Layers the file does not hold keep their initial weights (Keras' {@code by_name} semantics: a new head for another
 * class count); a layer the file holds with another number or shape of weights is refused, naming the layer and the
 * weight.
 *
 * @param keras3 whether the file is in Keras 3's layout (layers named by path) or Keras 2's (by layer name)
 * @param layers by the name the file gives them
 */
public record KerasWeightsFile(boolean keras3, Map<String, LayerWeights> layers) {

    /** One layer's weights in Keras order: shapes and row-major values. */
    public record LayerWeights(List<long[]> shapes, List<float[]> values) {
    }

    /**
     * Reads every layer's weights.
     *
     * @throws IllegalArgumentException when the file is not HDF5, or not a Keras weights file (a layer lists a weight
     *                                  it lacks, a weight is not float)
     */
    public static KerasWeightsFile read(Path file) {
        Map<String, LayerWeights> out = new LinkedHashMap<>();
        boolean keras3 = false;
        try (HdfFile hdf = new HdfFile(file)) {
            Group root = hdf;
            if (child(root, "model_weights") instanceof Group g) {
                root = g;
            }
            if (child(root, "layers") instanceof Group layers && root.getAttribute("layer_names") == null) {
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
                            throw new IllegalArgumentException(file.getFileName() + ": layer '" + layer.getName() + "' lists weight '" + n
                                    + "' but holds no such dataset");
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
            throw new IllegalArgumentException("cannot read Keras weights " + file.getFileName() + ": " + e.getMessage(), e);
        }
        return new KerasWeightsFile(keras3, out);
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
     * The file's weights for a model's layers, matched by layer name.
     *
     * @param layers      per Keras layer, its weights in Keras' order (name and shape)
     * @param keras3Paths where a Keras 3 file keeps each layer ({@link KerasModel#keras3WeightPaths()})
     * @return per layer the file holds, its weights in the order of {@code layers}; layers the file lacks are left out
     * @throws IllegalArgumentException naming the layer and weight whose count or shape differ, or when no layer matches
     */
    public Map<String, LayerWeights> match(Map<String, List<KerasModel.Weight>> layers, Map<String, String> keras3Paths) {
        Map<String, LayerWeights> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<KerasModel.Weight>> e : layers.entrySet()) {
            LayerWeights w = this.layers.get(keras3 ? keras3Paths.getOrDefault(e.getKey(), e.getKey()) : e.getKey());
            if (w == null) {
                continue;
            }
            List<KerasModel.Weight> vars = e.getValue();
            if (w.shapes().size() != vars.size()) {
                throw new IllegalArgumentException("layer '" + e.getKey() + "': the weights file has " + w.shapes().size()
                        + " weights, the model " + vars.size() + " (" + vars.stream().map(KerasModel.Weight::name).toList() + ")");
            }
            for (int i = 0; i < vars.size(); i++) {
                KerasModel.Weight v = vars.get(i);
                if (!Arrays.equals(w.shapes().get(i), v.shape())) {
                    throw new IllegalArgumentException("layer '" + e.getKey() + "' weight " + i + " (" + v.name() + "): the weights file has shape "
                            + Arrays.toString(w.shapes().get(i)) + ", the model " + Arrays.toString(v.shape()));
                }
            }
            out.put(e.getKey(), w);
        }
        if (out.isEmpty() && !layers.isEmpty()) {
            throw new IllegalArgumentException("the weights file holds none of the model's layers " + layers.keySet()
                    + " (it holds " + this.layers.keySet() + ")");
        }
        return out;
    }
}
