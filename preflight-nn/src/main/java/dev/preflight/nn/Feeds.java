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
import java.util.HashMap;
import java.util.Map;

/**
 * The graph's data placeholders ({@code input}, {@code labels}, {@code targets}, {@code sample_weights}) and how a
 * {@link Batch} becomes the tensors fed to them.
 *
 * <p>Why its own class: every task feeds all four (a classifier gets dummy targets, a regressor dummy labels), so one
 * graph shape serves every run; this is where a batch that does not fit the model (wrong sample shape, no masks for a
 * segmentation model, targets of the wrong width) becomes a named error instead of a TensorFlow shape error.
 *
 * <p>Why the tensors are kept: a training loop feeds batches of one size thousands of times. The feed tensors of each
 * batch size are allocated once and rewritten in place (a session run only reads them, and no fetched output aliases
 * them), and uint8 pixels are scaled straight into a reused float array that is bulk-copied into the tensor: no
 * per-step native allocation, no per-step float[] of the whole batch. Close the feeds with the model.
 */
final class Feeds implements AutoCloseable {

    /** Batch sizes whose tensors are kept at once: the trainer's one, the eval-service's val, fixed and zero batches. */
    private static final int KEPT_SIZES = 4;

    final Placeholder<TFloat32> input;
    private final Placeholder<TInt32> labels;
    private final Placeholder<TFloat32> targets;
    private final Placeholder<TFloat32> sampleWeights;
    private final Task task;
    private final int numClasses;
    private final int[] sampleShape;
    private final int inputSize;
    private final Map<Integer, Fed> kept = new HashMap<>();

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

    /**
     * The batch written into the kept tensors of its size; valid until the next call with a batch of that size.
     *
     * @throws IllegalArgumentException when the batch does not fit the model (sample shape, masks, targets)
     */
    Fed of(Batch b) {
        if (b.sampleSize() != inputSize) {
            throw new IllegalArgumentException("batch samples have shape " + Arrays.toString(b.sampleShape())
                    + ", the model was built for " + Arrays.toString(sampleShape));
        }
        if (task == Task.SEGMENTATION && b.masks() == null) {
            throw new IllegalArgumentException("a segmentation model needs batches with masks");
        }
        if (task == Task.REGRESSION && (b.targets() == null || b.targetDim() != numClasses)) {
            throw new IllegalArgumentException("a regression model of width " + numClasses + " needs batches with targets of that width");
        }
        Fed f = kept.get(b.size());
        if (f == null) {
            if (kept.size() >= KEPT_SIZES) {
                close();
            }
            f = new Fed(b.size());
            kept.put(b.size(), f);
        }
        f.write(b);
        return f;
    }

    @Override
    public void close() {
        kept.values().forEach(Fed::release);
        kept.clear();
    }

    /** Features, labels (per sample or per pixel) or targets, and per-entry loss weights, for one batch size. */
    final class Fed {
        private final TFloat32 x;
        private final TInt32 y;
        private final TFloat32 t;
        private final TFloat32 w;
        private final float[] features;
        private final int[] truth;
        private final float[] weights;

        private Fed(int n) {
            int truthLength = task == Task.SEGMENTATION ? n * sampleShape[0] * sampleShape[1] : n;
            features = new float[n * inputSize];
            truth = new int[truthLength];
            weights = new float[truthLength];
            x = TFloat32.tensorOf(Shape.of(n, inputSize));
            y = TInt32.tensorOf(Shape.of(truthLength));
            w = TFloat32.tensorOf(Shape.of(truthLength));
            // Zeros for a classifier or a segmenter (no loss reads them), rewritten per batch for a regressor.
            t = TFloat32.tensorOf(Shape.of(n, Math.max(1, numClasses)));
            t.copyFrom(DataBuffers.of(new float[n * Math.max(1, numClasses)], true, false));
        }

        private void write(Batch b) {
            b.features(features);
            x.copyFrom(DataBuffers.of(features, true, false));
            if (task == Task.SEGMENTATION) {
                byte[] masks = b.masks();
                for (int i = 0; i < truth.length; i++) {
                    truth[i] = masks[i] & 0xFF;
                }
            } else if (task == Task.CLASSIFICATION) {
                System.arraycopy(b.labels(), 0, truth, 0, truth.length);
            }
            y.copyFrom(DataBuffers.of(truth, true, false));
            for (int i = 0; i < weights.length; i++) {
                weights[i] = b.classWeights() == null || task == Task.REGRESSION ? 1f : b.classWeights()[truth[i]];
            }
            w.copyFrom(DataBuffers.of(weights, true, false));
            if (task == Task.REGRESSION) {
                t.copyFrom(DataBuffers.of(b.targets(), true, false));
            }
        }

        Session.Runner apply(Session.Runner r) {
            return r.feed(input, x).feed(labels, y).feed(targets, t).feed(sampleWeights, w);
        }

        private void release() {
            x.close();
            y.close();
            t.close();
            w.close();
        }
    }
}
