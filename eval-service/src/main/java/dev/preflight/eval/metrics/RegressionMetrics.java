package dev.preflight.eval.metrics;

/**
 * Regression metrics of one batch over all {@code count x targetDim} values: mean absolute error and root mean
 * squared error, both in the targets' units.
 *
 * <p>Both stay defined when every target is equal (unlike R², whose denominator is then 0, which is why it is not
 * reported). They are null for an empty batch, and null when an output or target is not finite: JSON has no NaN,
 * and a diverged model already shows as a non-finite val loss.
 */
public record RegressionMetrics(Double mae, Double rmse) {

    public static RegressionMetrics of(float[] targets, float[] outputs) {
        if (targets.length != outputs.length) {
            throw new IllegalArgumentException(targets.length + " targets but " + outputs.length + " outputs");
        }
        if (targets.length == 0) {
            return new RegressionMetrics(null, null);
        }
        double absSum = 0;
        double squareSum = 0;
        for (int i = 0; i < targets.length; i++) {
            double e = (double) outputs[i] - targets[i];
            absSum += Math.abs(e);
            squareSum += e * e;
        }
        return new RegressionMetrics(finiteOrNull(absSum / targets.length), finiteOrNull(Math.sqrt(squareSum / targets.length)));
    }

    static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
