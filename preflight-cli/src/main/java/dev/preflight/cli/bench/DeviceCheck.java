package dev.preflight.cli.bench;

import dev.preflight.nn.Devices;
import dev.preflight.nn.Model;
import dev.preflight.nn.Models;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;
import dev.preflight.wire.ModelConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * One model trained in-process on a fixed synthetic stream, for {@code deploy/gpu-check.sh}: run once with the GPU
 * hidden ({@code CUDA_VISIBLE_DEVICES=}) and once with it, from the same {@code -Pgpu} build, it gives the GPU / CPU
 * step-time ratio and the two loss curves to compare. TensorFlow's default session (every core, or the GPU when one
 * is visible) places the ops.
 *
 * <p>With a device count above 1 the same run trains data-parallel ({@link Devices#configured}: that many GPUs when
 * TensorFlow sees GPUs, else that many virtual CPU devices), for the script's multi-device check: its curve against
 * one device's, and the step-time ratio.
 *
 * <p>Prints {@code median_step_seconds=<s>} (steps after the first 5), {@code losses=<l1>,<l2>,...} and
 * {@code devices=<count> <kind>}. Arguments: {@code <cnn|resnet> <batch> <steps> [devices (default 1)]}.
 */
public final class DeviceCheck {

    private DeviceCheck() {
    }

    public static void main(String[] a) {
        String type = a[0];
        int batch = Integer.parseInt(a[1]);
        int steps = Integer.parseInt(a[2]);
        int count = a.length > 3 ? Integer.parseInt(a[3]) : 1;
        Devices devices = count == 1 ? Devices.ONE : Devices.configured(java.util.OptionalInt.of(count));
        SplittableRandom rng = new SplittableRandom(3);
        List<Batch> batches = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            byte[] pixels = new byte[batch * 784];
            rng.nextBytes(pixels);
            batches.add(new Batch(i, 0, DType.UINT8, new int[]{28, 28, 1}, 10, rng.ints(batch, 0, 10).toArray(), pixels));
        }
        double[] seconds = new double[steps];
        float[] losses = new float[steps];
        try (Model m = Models.forBatch(new ModelConfig(type, 42L, 1e-3, null), batches.get(0), null, devices)) {
            for (int i = 0; i < steps; i++) {
                long t = System.nanoTime();
                losses[i] = m.trainStep(batches.get(i % batches.size()), 1e-3f).loss();
                seconds[i] = (System.nanoTime() - t) / 1e9;
            }
        }
        double[] timed = Arrays.copyOfRange(seconds, Math.min(5, steps - 1), steps);
        Arrays.sort(timed);
        System.out.println(String.format(Locale.ROOT, "median_step_seconds=%.6f", timed[timed.length / 2]));
        System.out.println("losses=" + java.util.stream.IntStream.range(0, steps)
                .mapToObj(i -> String.format(Locale.ROOT, "%.7g", losses[i])).collect(Collectors.joining(",")));
        System.out.println("devices=" + devices.count() + " " + devices.kind());
    }
}
