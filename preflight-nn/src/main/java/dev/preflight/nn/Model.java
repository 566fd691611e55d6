package dev.preflight.nn;

import dev.preflight.wire.Batch;
import dev.preflight.wire.NamedTensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A trainable model that owns its TensorFlow Graph and Session (close it). Not thread-safe: one run, one thread.
 */
public interface Model extends AutoCloseable {

    Task task();

    /** Classes (classification, segmentation) or the output width (regression). */
    int numClasses();

    /** One optimisation step on a batch, with the learning rate for this step. */
    StepResult trainStep(Batch batch, float learningRate);

    /** Forward pass only (no dropout, batch-norm moving statistics). */
    Evaluation evaluate(Batch batch);

    /**
     * What the SavedModel serves for a batch, forward pass only: per sample (row-major, count x numClasses) the
     * predicted class probabilities (softmax of the head; an imported model's own softmax output as it is); per pixel
     * for segmentation; the outputs for regression.
     */
    float[] probabilities(Batch batch);

    /**
     * What inference needs, in a fixed order, with graph names: the trainable parameters, then batch-norm moving
     * statistics (if any). This is what a weight snapshot carries.
     */
    List<NamedTensor> parameters();

    /** Replaces what {@link #parameters()} returns; names and shapes must match exactly. */
    void loadParameters(List<NamedTensor> parameters);

    /**
     * Everything needed to resume training exactly: parameters, optimiser state, batch-norm statistics (with the step
     * count, see {@link #setStepsTaken}).
     */
    List<NamedTensor> state();

    void loadState(List<NamedTensor> state);

    /** Trainable parameters only. */
    long parameterCount();

    /** Names of the trainable parameter tensors ({@code <layer>/<param>}), in the order of {@link StepResult#updateRatios()}. */
    List<String> parameterNames();

    /**
     * Tells a model restored from a checkpoint how many steps were already taken, so the next step draws the dropout
     * masks an uninterrupted run would (they are keyed by seed and step). Call it after {@link #loadState}.
     */
    void setStepsTaken(long steps);

    /** Sets the output bias to the log class priors (Karpathy: "init well"); classification only. */
    void initBiasToLogPriors(int[] classCounts);

    /**
     * Starts a linear regression head (the zoo's generator) at the mean target: the output layer's kernel zero and its
     * bias the first batch's mean target, so the model predicts exactly that everywhere before the first update
     * (Karpathy's "init well ... if you are regressing values with a mean of 50, initialise the final bias to 50";
     * random output weights added a spread that raised the L1 at init 14 % above it on shapes-paired). The
     * zero kernel gets its gradient at the first step and the layers below from the second. Deterministic: the first
     * batch is a pure function of the run's spec.
     *
     * @param first the run's first batch, with targets
     * @throws IllegalStateException when the model is not a regression model with an output layer
     */
    void initOutputToTargetMean(Batch first);

    /** Weights that never get a gradient because the definition says {@code trainable: false}; empty for the zoo. */
    default List<String> frozenParameterNames() {
        return List.of();
    }

    /**
     * The model as a Keras definition ({@code model.to_json()} form): an imported model's own, a zoo model's as
     * {@link ZooKeras} writes it (same function, layers named after the zoo's variables, softmax output for a
     * classifier).
     */
    com.fasterxml.jackson.databind.JsonNode kerasDefinition();

    /**
     * The inference variables ({@link #parameters()}) by layer of {@link #kerasDefinition()}, each layer's in Keras'
     * weight order (what a Keras weights file holds; write them with {@link KerasWeights#write}).
     *
     * @throws IllegalStateException when a variable has no Keras layer (a zoo architecture {@link ZooKeras} does not
     *                               mirror)
     */
    java.util.Map<String, List<NamedTensor>> kerasWeights();

    /**
     * Loads a Keras HDF5 weights file by layer name of {@link #kerasDefinition()}; see {@link KerasWeights}.
     *
     * @throws IllegalArgumentException naming a layer whose weights differ in number or shape
     */
    void loadKerasWeights(Path file);

    /** Writes the weights as a Keras 3 {@code .weights.h5} file (Keras' own layer paths), which Keras' load_weights reads. */
    void saveKerasWeights(Path file);

    /** The Keras export's definition file in {@link #exportKeras}'s folder (what {@code preflight run --keras-model} reads). */
    String KERAS_DEFINITION_FILE = "model.json";
    /** The Keras export's weights file (Keras' load_weights wants the {@code .weights.h5} suffix). */
    String KERAS_WEIGHTS_FILE = "model.weights.h5";

    /**
     * Writes {@code dir/model.json} ({@link #kerasDefinition()}) and {@code dir/model.weights.h5}
     * ({@link #saveKerasWeights}): {@code keras.models.model_from_json} plus {@code load_weights} rebuild the model
     * with these weights, and so does {@code preflight run --keras-model model.json --weights model.weights.h5}.
     */
    default void exportKeras(Path dir) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Files.writeString(dir.resolve(KERAS_DEFINITION_FILE),
                new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(kerasDefinition()));
        saveKerasWeights(dir.resolve(KERAS_WEIGHTS_FILE));
    }

    /** Writes a SavedModel with a "serving_default" signature: features in, probabilities (or outputs) out. */
    void exportSavedModel(Path dir) throws IOException;

    @Override
    void close();

    /**
     * @param loss         the data loss of the batch before the update (without the weight-decay penalty)
     * @param gradNorm     global L2 norm of all gradients
     * @param updateRatios per parameter tensor (same order as the trainable parameters): |update| / |weights|
     * @param entropy      mean entropy of the predicted distribution, before the update (NaN for regression)
     * @param gradNorms    per parameter tensor (same order): the L2 norm of its gradient; their root sum of squares is
     *                     {@code gradNorm}
     * @param critic       an adversarial model's critic metrics of this step; null otherwise. Then {@code loss} is the
     *                     generator's L1 and {@code gradNorm} the norm of its whole objective's gradient
     */
    record StepResult(float loss, float gradNorm, float[] updateRatios, float entropy, float[] gradNorms,
                      dev.preflight.wire.CriticStep critic) {

        /** A step without a critic. */
        public StepResult(float loss, float gradNorm, float[] updateRatios, float entropy, float[] gradNorms) {
            this(loss, gradNorm, updateRatios, entropy, gradNorms, null);
        }

        /** This step with the critic's side of it. */
        StepResult withCritic(dev.preflight.wire.CriticStep c) {
            return new StepResult(loss, gradNorm, updateRatios, entropy, gradNorms, c);
        }
    }

    /**
     * @param loss        mean loss of the batch
     * @param predictions argmax class per sample (classification) or per pixel, row-major (segmentation); empty for regression
     * @param outputs     regression outputs, count x width; empty otherwise
     */
    record Evaluation(float loss, int[] predictions, float[] outputs) {
        public double accuracy(int[] truth) {
            int right = 0;
            for (int i = 0; i < truth.length; i++) {
                if (predictions[i] == truth[i]) {
                    right++;
                }
            }
            return truth.length == 0 ? 0 : (double) right / truth.length;
        }
    }
}
