package dev.preflight.nn;

import dev.preflight.wire.NamedTensor;

import java.util.List;

/**
 * A trainable classifier that owns its TensorFlow Graph and Session. Not thread-safe: one run, one thread.
 * Inputs are flattened row-major float samples; labels are class indices.
 */
public interface Classifier extends AutoCloseable {

    /** One optimisation step on a batch; returns the batch's mean loss before the update. */
    float trainStep(float[] features, int[] labels, float learningRate);

    /** Forward pass only: mean loss and the predicted class of every sample. */
    Evaluation evaluate(float[] features, int[] labels);

    /** The trainable parameters, in a fixed order, with their graph names. */
    List<NamedTensor> parameters();

    /** Replaces the trainable parameters (e.g. from a snapshot); names and shapes must match exactly. */
    void loadParameters(List<NamedTensor> parameters);

    long parameterCount();

    int numClasses();

    @Override
    void close();

    record Evaluation(float loss, int[] predictions) {
        public double accuracy(int[] labels) {
            int right = 0;
            for (int i = 0; i < labels.length; i++) {
                if (predictions[i] == labels[i]) {
                    right++;
                }
            }
            return labels.length == 0 ? 0 : (double) right / labels.length;
        }
    }
}
