package dev.preflight.nn;

import dev.preflight.wire.Batch;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.NamedTensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.preflight.nn.ModelZooTest.CLASSES;
import static dev.preflight.nn.ModelZooTest.H;
import static dev.preflight.nn.ModelZooTest.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Pins the exact bits of a few short training runs (loss and gradient norm per step, a hash of the final state), one
 * per architecture and per optimiser/loss path, so a refactor of the training graph is proven to compute the same
 * thing, not just something equally good. Hex float bits, so equality is bit for bit.
 */
class PinnedLossCurveTest {

    record Run(String name, ModelConfig config, Task task, int steps) {
    }

    static List<Run> runs() {
        List<Run> r = new ArrayList<>();
        r.add(new Run("mlp-adam", new ModelConfig("mlp", 7L, 1e-2, List.of(32)), Task.CLASSIFICATION, 6));
        r.add(new Run("cnn-adam-all", ModelZooTest.featureful(11L, ModelConfig.Optimizer.ADAM), Task.CLASSIFICATION, 6));
        r.add(new Run("cnn-sgd-all", ModelZooTest.featureful(11L, ModelConfig.Optimizer.SGD), Task.CLASSIFICATION, 6));
        r.add(new Run("resnet", ModelConfig.builder(ModelConfig.Type.RESNET).seed(5L).learningRate(3e-3).channels(List.of(8))
                .blocks(1).dropout(0.1).batchNorm(true).build(), Task.CLASSIFICATION, 4));
        r.add(new Run("segnet", ModelConfig.builder(ModelConfig.Type.SEGNET).seed(5L).learningRate(3e-3).channels(List.of(4, 8))
                .weightDecay(1e-4).build(), Task.SEGMENTATION, 4));
        r.add(new Run("mlp-l1", ModelConfig.builder(ModelConfig.Type.MLP).seed(5L).learningRate(1e-2).hiddenUnits(List.of(16))
                .optimizer(ModelConfig.Optimizer.SGD).momentum(0.5).loss(ModelConfig.Loss.L1).build(), Task.REGRESSION, 4));
        return r;
    }

    static Batch input(Run run, int s) {
        Batch b = batch(8, 40 + s, run.task() == Task.SEGMENTATION);
        if (run.task() != Task.REGRESSION) {
            return b;
        }
        float[] targets = new float[8 * 2];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = ((i + s) % 3) - 1f;
        }
        return new Batch(0, 0, b.dtype(), b.sampleShape(), 1, new int[8], b.data(), null, targets, 2, null, null);
    }

    /** Per step: loss bits, grad-norm bits; then a hash of every state tensor's name and value bits. */
    static List<String> trace(Run run) {
        List<String> out = new ArrayList<>();
        try (Model m = Models.create(run.config(), new int[]{H, H, 1}, run.task() == Task.REGRESSION ? 2 : CLASSES, run.task(), 1)) {
            for (int s = 0; s < run.steps(); s++) {
                Model.StepResult r = m.trainStep(input(run, s), (float) run.config().learningRateAt(s + 1, run.steps()));
                out.add(Integer.toHexString(Float.floatToRawIntBits(r.loss())) + "/" + Integer.toHexString(Float.floatToRawIntBits(r.gradNorm())));
            }
            long h = 1125899906842597L;
            for (NamedTensor t : m.state()) {
                h = 31 * h + t.name().hashCode();
                for (float v : t.values()) {
                    h = 31 * h + Float.floatToRawIntBits(v);
                }
            }
            out.add(Long.toHexString(h));
        }
        return out;
    }

    /**
     * Computed on the code before GraphModel was split into Layers, Losses, Initializers, AdamOptimizer, Variables and
     * SavedModelExporter (commit d2aa1cb). A change here means training is no longer the same computation: a
     * resumed checkpoint or a rerun with the same seed would give a different curve.
     */
    static final Map<String, String> PINNED = Map.of(
            "mlp-adam", "3fb0e44f/3f000114 3fb40682/3f176863 3fb5dbe3/3f16925f 3fb02060/3f1f4e5f 3faf73d2/3f1fb971 3fb685f9/3f1aba7b 26ce9d70ef9d7050",
            "cnn-adam-all", "3fc13e66/401ba56e 3fb9f1a2/3fda4e66 3fb2acf6/3fc3bef3 3fbc604c/3fea02dc 3fb7fef1/3fb6e061 3fab7993/3fa1b3ef 336167f6d6f3ca92",
            "cnn-sgd-all", "3fc13e66/401ba56e 3fb4202a/40035570 3fb3bce7/3ffa8c4e 3fbae85f/400e0ad9 3fb3995c/400cd9b3 3faa785f/3ff61575 abe69880c10e20d5",
            "resnet", "3fb4a94e/3f15d37b 3fb00377/3f03b5f6 3fafed7e/3ebd8146 3fb3ca02/3ef1c8c0 22f9983cbc470271",
            "segnet", "3fb3604c/3ebcb64d 3fb2929e/3e8c89bd 3fb2803a/3e27c7c0 3fb1f1f5/3dfe5c87 d990c94e5d4486d0",
            "mlp-l1", "3f37e026/3f459d83 3f214708/3f158e57 3f3137fa/3f24588c 3f3432a6/3ee8ca72 9fdd2932ab7c8bf4");

    /**
     * TensorFlow picks its CPU kernels (oneDNN, Eigen) by instruction set, and the bits of a sum depend on them. The pins
     * were computed on x86-64 with AVX-512 (FP16, BF16) and AMX; elsewhere the runs must still agree to 1e-4 relative,
     * which catches a broken graph but not a reordered sum.
     */
    static boolean pinnedInstructionSet() {
        try {
            String cpu = Files.readString(Path.of("/proc/cpuinfo"));
            return List.of("avx512f", "avx512_fp16", "avx512_bf16", "amx_tile").stream().allMatch(f -> cpu.contains(" " + f));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Test
    void shortRunsReproduceThePinnedLossesGradNormsAndStateBitForBit() {
        boolean exact = pinnedInstructionSet();
        for (Run r : runs()) {
            String actual = String.join(" ", trace(r));
            if (exact) {
                assertEquals(PINNED.get(r.name()), actual, r.name());
            } else {
                String[] want = PINNED.get(r.name()).split("[ /]");
                String[] got = actual.split("[ /]");
                for (int i = 0; i < want.length - 1; i++) {
                    float w = Float.intBitsToFloat(Integer.parseUnsignedInt(want[i], 16));
                    float g = Float.intBitsToFloat(Integer.parseUnsignedInt(got[i], 16));
                    assertEquals(w, g, 1e-4 * Math.abs(w), r.name() + " value " + i);
                }
            }
        }
    }
}
