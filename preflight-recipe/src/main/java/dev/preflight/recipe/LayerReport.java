package dev.preflight.recipe;

import dev.preflight.wire.TrainStep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * report.json's per-layer section: for each trainable tensor of the model ({@code <layer>/<weight>}, the user's layer
 * names for an imported Keras model), its gradient norm and update/weight ratio over one run's training, and the
 * tensors that never moved. Karpathy's "a layer that never trains" and the update/weight ratio he watches (about 1e-3
 * is healthy; far below, the layer learns too slowly; far above, too fast) come from here.
 *
 * @param stage      the stage whose run this is (the last one that trained the model on its stage's data)
 * @param runId      that run
 * @param steps      train steps measured
 * @param params     per trainable tensor, in the model's order
 * @param neverMoved tensors whose update ratio was 0 at every step: they never changed
 */
public record LayerReport(String stage, String runId, int steps, List<Param> params, List<String> neverMoved) {

    /**
     * @param gradNormMean    mean over the steps of the L2 norm of the tensor's gradient (NaN when the trainer did not
     *                        publish per-tensor gradient norms)
     * @param updateRatioMedian median over the steps of |update| / |weights|: the median, not the mean, because a tensor
     *                        initialised to zero (biases) has a ratio of |update| / 1e-12 on its first step, which
     *                        would dominate a mean (seen: means of 1e7 for biases whose ratio was 1e-4 after step 1)
     */
    public record Param(String name, String layer, double gradNormMean, double gradNormLast, double updateRatioMedian,
                        double updateRatioLast, boolean moved) {
    }

    /** Over a run's train steps; null when they carry no per-tensor update ratios. */
    public static LayerReport of(String stage, String runId, List<TrainStep> train) {
        List<TrainStep> measured = train.stream().filter(t -> t.updateRatios() != null && !t.updateRatios().isEmpty()).toList();
        if (measured.isEmpty()) {
            return null;
        }
        Map<String, double[]> sums = new LinkedHashMap<>(); // name -> [unused, grad sum, grad count, moved]
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        for (TrainStep t : measured) {
            t.updateRatios().forEach((name, ratio) -> {
                double[] s = sums.computeIfAbsent(name, k -> new double[4]);
                ratios.computeIfAbsent(name, k -> new ArrayList<>()).add(ratio);
                s[3] = s[3] > 0 || ratio > 0 ? 1 : 0;
                Double g = t.gradNorms() == null ? null : t.gradNorms().get(name);
                if (g != null) {
                    s[1] += g;
                    s[2]++;
                }
            });
        }
        TrainStep last = measured.get(measured.size() - 1);
        List<Param> params = new ArrayList<>();
        List<String> never = new ArrayList<>();
        sums.forEach((name, s) -> {
            Double lastGrad = last.gradNorms() == null ? null : last.gradNorms().get(name);
            params.add(new Param(name, name.contains("/") ? name.substring(0, name.lastIndexOf('/')) : name,
                    s[2] > 0 ? s[1] / s[2] : Double.NaN, lastGrad == null ? Double.NaN : lastGrad,
                    median(ratios.get(name)), last.updateRatios().getOrDefault(name, Double.NaN), s[3] > 0));
            if (s[3] == 0) {
                never.add(name);
            }
        });
        return new LayerReport(stage, runId, measured.size(), List.copyOf(params), List.copyOf(never));
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
