package dev.preflight.nn;

import dev.preflight.wire.Batch;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

import java.util.Arrays;

/**
 * The graph's data placeholders ({@code input}, {@code labels}, {@code targets}, {@code sample_weights}) and how a
 * {@link Batch} becomes the tensors fed to them.
 *
 * <p>Why its own class: every task feeds all four (a classifier gets dummy targets, a regressor dummy labels), so one
 * graph shape serves every run; this is where a batch that does not fit the model (wrong sample shape, no masks for a
 * segmentation model, targets of the wrong width) becomes a named error instead of a TensorFlow shape error.
 */
final class Feeds {

    final Placeholder<TFloat32> input;
    private final Placeholder<TInt32> labels;
    private final Placeholder<TFloat32> targets;
    private final Placeholder<TFloat32> sampleWeights;
    private final Task task;
    private final int numClasses;
    private final int[] sampleShape;
    private final int inputSize;

    Feeds(Ops tf, Task task, int numClasses, int[] sampleShape) {
        this.task = task;
        this.numClasses = numClasses;
        this.sampleShape = sampleShape.clone();
        int n = 1;
        for (int d : sampleShape) {
            n *= d;
        }
        this.inputSize = n;
        input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, inputSize)));
        labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
        targets = tf.withName("targets").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, Math.max(1, numClasses))));
        sampleWeights = tf.withName("sample_weights").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
    }

    Placeholder<TInt32> labels() {
        return labels;
    }

    Placeholder<TFloat32> targets() {
        return targets;
    }

    Placeholder<TFloat32> sampleWeights() {
        return sampleWeights;
    }

    /** The tensors of one batch; close them after the run. */
    Fed of(Batch b) {
        return new Fed(b);
    }

    /** Features, labels (per sample or per pixel) or targets, and per-entry loss weights. */
    final class Fed implements AutoCloseable {
        private final TFloat32 x;
        private final TInt32 y;
        private final TFloat32 t;
        private final TFloat32 w;

        private Fed(Batch b) {
            int n = b.size();
            if (b.sampleSize() != inputSize) {
                throw new IllegalArgumentException("batch samples have shape " + Arrays.toString(b.sampleShape())
                        + ", the model was built for " + Arrays.toString(sampleShape));
            }
            x = TFloat32.tensorOf(Shape.of(n, inputSize), DataBuffers.of(b.features(), true, false));
            int[] truth;
            if (task == Task.SEGMENTATION) {
                if (b.masks() == null) {
                    throw new IllegalArgumentException("a segmentation model needs batches with masks");
                }
                truth = new int[b.masks().length];
                for (int i = 0; i < truth.length; i++) {
                    truth[i] = b.masks()[i] & 0xFF;
                }
            } else {
                truth = task == Task.CLASSIFICATION ? b.labels() : new int[n];
            }
            y = TInt32.vectorOf(truth);
            float[] weights = new float[truth.length];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = b.classWeights() == null || task == Task.REGRESSION ? 1f : b.classWeights()[truth[i]];
            }
            w = TFloat32.vectorOf(weights);
            if (task == Task.REGRESSION) {
                if (b.targets() == null || b.targetDim() != numClasses) {
                    throw new IllegalArgumentException("a regression model of width " + numClasses + " needs batches with targets of that width");
                }
                t = TFloat32.tensorOf(Shape.of(n, numClasses), DataBuffers.of(b.targets(), true, false));
            } else {
                t = TFloat32.tensorOf(Shape.of(n, Math.max(1, numClasses)));
            }
        }

        Session.Runner apply(Session.Runner r) {
            return r.feed(input, x).feed(labels, y).feed(targets, t).feed(sampleWeights, w);
        }

        @Override
        public void close() {
            x.close();
            y.close();
            t.close();
            w.close();
        }
    }
}
