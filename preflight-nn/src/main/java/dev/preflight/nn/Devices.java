package dev.preflight.nn;

import org.tensorflow.DeviceSpec;
import org.tensorflow.internal.c_api.TF_DeviceList;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.ConfigProto;

import java.util.OptionalInt;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_CloseSession;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteDeviceList;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteGraph;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteSession;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteSessionOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListCount;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListType;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GetCode;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_Message;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewGraph;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewSession;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewSessionOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OK;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SessionListDevices;

/**
 * The devices one run trains on, data-parallel: {@code count} towers, tower {@code i} on {@code /device:<kind>:i}
 * (see {@link DataParallel}). One device is the plain single-tower graph, placed by TensorFlow as always.
 *
 * <p>On a machine without a GPU, {@code count > 1} means that many <em>virtual</em> CPU devices
 * ({@code ConfigProto.device_count {"CPU": count}}): TensorFlow splits the host into {@code /device:CPU:0..count-1},
 * which share the same cores and thread pools. That is how the multi-device graph is tested without a GPU; it does not
 * make a step faster (docs/performance.md has the measured ratio).
 *
 * @param kind     CPU (virtual devices on the host) or GPU (one tower per GPU)
 * @param count    towers; at least 1
 * @param adaptive whether a run may use fewer towers than {@code count} ({@link #forBatch}): the unset setting's
 *                 "every visible GPU", which must not fail the recipe's one-sample and tiny-batch stages
 */
public record Devices(Kind kind, int count, boolean adaptive) {

    /** What a tower runs on. */
    public enum Kind { CPU, GPU }

    /** One device: the single-tower graph, as every run trained before data-parallel training existed. */
    public static final Devices ONE = new Devices(Kind.CPU, 1, false);

    public Devices {
        if (kind == null || count < 1) {
            throw new IllegalArgumentException("devices must be at least 1 of CPU or GPU, got " + count + " " + kind);
        }
    }

    /** {@code count} virtual CPU devices. */
    public static Devices cpu(int count) {
        return new Devices(Kind.CPU, count, false);
    }

    /** The first {@code count} GPUs. */
    public static Devices gpu(int count) {
        return new Devices(Kind.GPU, count, false);
    }

    /**
     * Up to {@code count} GPUs: a run trains on as many of them as its batch splits evenly over ({@link #forBatch}).
     */
    public static Devices upToGpus(int count) {
        return new Devices(Kind.GPU, count, true);
    }

    /**
     * A service's setting ({@code preflight.trainer.devices}): unset means every visible GPU, as many as a run's batch
     * splits evenly over ({@link #upToGpus}), or one device on a machine (or a CPU build) without one; a number means
     * exactly that many towers: GPUs when there are GPUs, virtual CPU devices when there are none.
     *
     * @throws IllegalArgumentException for a count below 1, or more GPUs than are visible
     */
    public static Devices configured(OptionalInt requested) {
        int gpus = visibleGpus();
        if (requested.isEmpty()) {
            return gpus > 0 ? upToGpus(gpus) : ONE;
        }
        int n = requested.getAsInt();
        if (n < 1) {
            throw new IllegalArgumentException("preflight.trainer.devices must be at least 1, got " + n);
        }
        if (gpus == 0) {
            return cpu(n);
        }
        if (n > gpus) {
            throw new IllegalArgumentException("preflight.trainer.devices is " + n + " but TensorFlow sees only " + gpus + " GPU(s)");
        }
        return gpu(n);
    }

    /** Whether this is more than one tower (the data-parallel graph). */
    public boolean parallel() {
        return count > 1;
    }

    /** {@code /device:CPU:i} or {@code /device:GPU:i}. */
    public String name(int i) {
        return "/device:" + kind + ":" + i;
    }

    DeviceSpec spec(int i) {
        return DeviceSpec.newBuilder().deviceType(kind == Kind.GPU ? DeviceSpec.DeviceType.GPU : DeviceSpec.DeviceType.CPU)
                .deviceIndex(i).build();
    }

    /**
     * The devices a run with batches of {@code batch} samples trains on: these, when the batch splits evenly over
     * them; for {@link #adaptive} devices the most of them it splits evenly over (a batch of 1 trains on one GPU, a
     * batch of 6 on 3 of 4 GPUs).
     *
     * @throws IllegalArgumentException for exact devices the batch does not split evenly over, naming both numbers
     */
    public Devices forBatch(int batch) {
        if (!adaptive) {
            checkBatch(batch);
            return this;
        }
        int n = count;
        while (batch % n != 0) {
            n--;
        }
        return new Devices(kind, n, false);
    }

    /**
     * Checks that a batch splits evenly over the towers (each tower takes {@code batch / count} samples).
     *
     * @throws IllegalArgumentException naming both numbers when it does not
     */
    public void checkBatch(int batch) {
        if (batch % count != 0) {
            throw new IllegalArgumentException("a batch of " + batch + " samples does not split evenly over " + count
                    + " devices: use a batch size divisible by " + count + " or another device count");
        }
    }

    /**
     * The session options for these devices on top of the thread settings (null: TensorFlow's defaults): virtual CPU
     * devices need {@code device_count}; GPU towers allow soft placement so an op without a GPU kernel runs on the
     * host instead of failing. CPU towers do not: a tower that could not have its device must fail, not collapse
     * silently onto CPU:0.
     */
    ConfigProto sessionConfig(TfThreads threads) {
        ConfigProto.Builder b = threads != null ? threads.configProto().toBuilder() : ConfigProto.newBuilder();
        if (kind == Kind.CPU) {
            b.putDeviceCount("CPU", count);
        } else {
            b.setAllowSoftPlacement(true);
        }
        return b.build();
    }

    /**
     * GPUs this process's TensorFlow can use (0 on a CPU build, or with {@code CUDA_VISIBLE_DEVICES} empty): the device
     * list of a session on an empty graph. Counted once per JVM; TensorFlow creates its devices once per process anyway.
     */
    public static int visibleGpus() {
        return GpuCount.VALUE;
    }

    private static final class GpuCount {
        static final int VALUE = count();

        private static int count() {
            org.tensorflow.TensorFlow.version(); // loads the native library
            TF_Status status = TF_NewStatus();
            TF_Graph graph = TF_NewGraph();
            TF_SessionOptions options = TF_NewSessionOptions();
            try {
                TF_Session session = TF_NewSession(graph, options, status);
                check(status);
                try {
                    TF_DeviceList list = TF_SessionListDevices(session, status);
                    check(status);
                    try {
                        int gpus = 0;
                        for (int i = 0; i < TF_DeviceListCount(list); i++) {
                            if ("GPU".equals(TF_DeviceListType(list, i, status).getString())) {
                                gpus++;
                            }
                        }
                        return gpus;
                    } finally {
                        TF_DeleteDeviceList(list);
                    }
                } finally {
                    TF_CloseSession(session, status);
                    TF_DeleteSession(session, status);
                }
            } finally {
                TF_DeleteSessionOptions(options);
                TF_DeleteGraph(graph);
                TF_DeleteStatus(status);
            }
        }

        private static void check(TF_Status status) {
            if (TF_GetCode(status) != TF_OK) {
                throw new IllegalStateException("TensorFlow could not list its devices: " + TF_Message(status).getString());
            }
        }
    }
}
