package dev.preflight.nn;

import org.tensorflow.proto.ConfigProto;

/**
 * How many threads one model's TensorFlow session may use, and how they wait. Each session gets pools of its own
 * ({@code use_per_session_threads}), so a trainer and an eval-service model never share (or fight over) TensorFlow's
 * process-wide pools.
 *
 * <p>Why spinning is a setting: TensorFlow's pool threads busy-wait for a while after each op before they sleep
 * ({@code ConfigProto.experimental.disable_thread_spinning} turns that off). On a machine of its own that shaves
 * microseconds off every op; on a machine shared with other services (Kafka, the data-service, the eval-service) the
 * spinning threads burn the cores those services need. docs/performance.md has the measured difference.
 *
 * @param intraOp  threads one op (a convolution, a MatMul) is split over; at least 1
 * @param interOp  independent ops run at once; at least 1 (our graphs are mostly chains: 1 rarely costs anything)
 * @param spinning whether idle pool threads busy-wait (faster on a dedicated machine, starves neighbours on a shared one)
 */
public record TfThreads(int intraOp, int interOp, boolean spinning) {

    public TfThreads {
        if (intraOp < 1 || interOp < 1) {
            throw new IllegalArgumentException("TensorFlow thread counts must be >= 1, got intra-op " + intraOp + ", inter-op " + interOp);
        }
    }

    /** {@code intraOp} threads, one inter-op thread, spinning as TensorFlow does by default. */
    public static TfThreads of(int intraOp) {
        return new TfThreads(intraOp, 1, true);
    }

    /**
     * A service's settings: {@code intraOp} unset or 0 means every core this JVM may use ({@link #availableCores()}).
     */
    public static TfThreads configured(java.util.OptionalInt intraOp, int interOp, boolean spinning) {
        int intra = intraOp.orElse(0);
        return new TfThreads(intra > 0 ? intra : availableCores(), interOp, spinning);
    }

    /** Every core this JVM may use ({@link Runtime#availableProcessors()}: a container's CPU limit, not the host's). */
    public static int availableCores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** The session options these settings mean. */
    ConfigProto configProto() {
        return ConfigProto.newBuilder().setIntraOpParallelismThreads(intraOp).setInterOpParallelismThreads(interOp)
                .setUsePerSessionThreads(true)
                .setExperimental(ConfigProto.Experimental.newBuilder().setDisableThreadSpinning(!spinning))
                .build();
    }
}
