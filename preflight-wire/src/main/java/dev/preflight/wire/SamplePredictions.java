package dev.preflight.wire;

import java.util.List;

/**
 * Per-sample predictions of a run's final weights over a whole split, on {@link Topics#SAMPLE_PREDICTIONS}: what the
 * label-noise stage ranks (recipe, Karpathy 1: "How noisy are the labels?") and the ensemble stage averages (Karpathy
 * 6: "ensembles"). The eval-service sends them for the splits a run's {@link RunSpec#predictions()} names, after it
 * validated the run's last snapshot, in chunks of consecutive split positions (a split of 60,000 samples of 100 classes
 * does not fit one record); the gateway joins the chunks by {@code from}.
 *
 * @param runId         the run whose final weights were evaluated
 * @param step          the train step of those weights (the run's last)
 * @param split         "train" or "val" ({@link #SPLITS}): the run's own split (its data seed and val fraction);
 *                      samples as stored, never augmented, tabular features scaled as the run's batches were
 * @param total         samples in the whole split; 0 with {@code error}
 * @param from          position in the split (its samples in ascending dataset index) of this chunk's first sample
 * @param indices       per sample of the chunk: its index in the dataset (what the data-service's
 *                      {@code /samples?indices=} and its stats name)
 * @param labels        per sample: the label the dataset gives it
 * @param probabilities per sample: the model's predicted class probabilities (softmax), numClasses each
 * @param error         why there are no predictions for this split (a regression or segmentation run, a data-service
 *                      the eval-service could not reach); the other lists are then empty
 */
public record SamplePredictions(String runId, int step, String split, int total, int from, int[] indices, int[] labels,
                                float[][] probabilities, String error) {

    /** The splits a run can ask predictions for. */
    public static final List<String> SPLITS = List.of("train", "val");

    /** One chunk of predictions. */
    public static SamplePredictions of(String runId, int step, String split, int total, int from, int[] indices, int[] labels,
                                       float[][] probabilities) {
        return new SamplePredictions(runId, step, split, total, from, indices, labels, probabilities, null);
    }

    /** No predictions for {@code split}, and why. */
    public static SamplePredictions failed(String runId, int step, String split, String error) {
        return new SamplePredictions(runId, step, split, 0, 0, new int[0], new int[0], new float[0][], error);
    }

    /** Samples in this chunk. */
    public int size() {
        return indices.length;
    }

    /** Strict decode: a chunk whose lists disagree in length, or that lies outside its split, is a wire error. */
    public static SamplePredictions decode(byte[] bytes) {
        SamplePredictions p = Json.decode(bytes, SamplePredictions.class);
        if (p.runId() == null || !RunIds.isValid(p.runId())) {
            throw new WireFormatException("SamplePredictions needs a valid runId, was '" + p.runId() + "'");
        }
        if (p.split() == null || !SPLITS.contains(p.split())) {
            throw new WireFormatException("SamplePredictions.split must be one of " + SPLITS + ", was '" + p.split() + "'");
        }
        if (p.indices() == null || p.labels() == null || p.probabilities() == null) {
            throw new WireFormatException("SamplePredictions needs indices, labels and probabilities (empty with an error)");
        }
        int n = p.indices().length;
        if (p.labels().length != n || p.probabilities().length != n) {
            throw new WireFormatException("SamplePredictions lists disagree: " + n + " indices, " + p.labels().length + " labels, "
                    + p.probabilities().length + " probability rows");
        }
        if (p.error() == null && (p.from() < 0 || p.total() < 1 || p.from() + n > p.total())) {
            throw new WireFormatException("SamplePredictions chunk [" + p.from() + ", " + (p.from() + n) + ") lies outside its split of "
                    + p.total());
        }
        return p;
    }
}
