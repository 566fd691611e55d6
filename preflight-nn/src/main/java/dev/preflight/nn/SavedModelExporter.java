package dev.preflight.nn;

import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.types.TFloat32;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a trained model as a SavedModel for serving (TF Serving, Python's {@code tf.saved_model.load}).
 *
 * <p>Why it is small and separate: the serving contract is one signature, {@code serving_default}, with one input
 * {@code features} (flattened samples) and one output, {@code probabilities} or, for regression, {@code outputs}. That
 * contract is what consumers outside Preflight depend on; it should not change when the training graph does.
 */
final class SavedModelExporter {

    private SavedModelExporter() {
    }

    static void export(Session session, Operand<TFloat32> features, Task task, Operand<TFloat32> served, Path dir) throws IOException {
        Signature signature = Signature.builder().key(Signature.DEFAULT_KEY).input("features", features)
                .output(task == Task.REGRESSION ? "outputs" : "probabilities", served).build();
        SavedModelBundle.exporter(dir.toString()).withSession(session).withSignature(signature).export();
    }
}
