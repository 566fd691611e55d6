package dev.preflight.recipe;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.WireFormatException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AblationsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String SPACE = """
            {"trials": 6, "steps": 120, "seeds": 3, "top": 2,
             "parameters": {"learningRate": {"logUniform": [1e-4, 1e-2]}, "hiddenUnits": {"choice": [[16], [64]]},
                            "dropout": {"uniform": [0, 0.5]}}}""";

    @Test
    void sampleIsReproducibleAndWithinTheSpace() throws Exception {
        Ablations.Space space = Ablations.Space.parse(JSON.readTree(SPACE));
        assertEquals(List.of(20, 60), space.rungs());
        ModelConfig base = new ModelConfig("mlp", 1L, 1e-3, List.of(32));
        List<Ablations.Trial> a = Ablations.sample(space, base, 7);
        List<Ablations.Trial> b = Ablations.sample(space, base, 7);
        assertEquals(a, b);
        assertEquals(6, a.size());
        for (Ablations.Trial t : a) {
            assertTrue(t.model().learningRate() >= 1e-4 && t.model().learningRate() <= 1e-2);
            assertTrue(List.of(List.of(16), List.of(64)).contains(t.model().hiddenUnits()));
            assertTrue(t.model().dropout() >= 0 && t.model().dropout() <= 0.5);
            assertTrue(t.model().problemsFree(), t.model().toString());
        }
    }

    @Test
    void augmentationCanBeSwitchedOnAndOffPerTrial() throws Exception {
        Ablations.Space space = Ablations.Space.parse(JSON.readTree(
                "{\"trials\": 30, \"parameters\": {\"augment\": {\"choice\": [true, false, {\"translatePixels\": 3}]}}}"));
        List<Ablations.Trial> trials = Ablations.sample(space, new ModelConfig("cnn", 1L, 1e-3, null), 3);
        assertTrue(trials.stream().anyMatch(t -> t.augment() == null), "some trials without augmentation");
        assertTrue(trials.stream().anyMatch(t -> Ablations.DEFAULT_AUGMENTATION.equals(t.augment())), "some with the default");
        assertTrue(trials.stream().anyMatch(t -> t.augment() != null && Integer.valueOf(3).equals(t.augment().translatePixels())),
                "and some with the declared one");
    }

    @Test
    void badSpacesNameTheirField() {
        WireFormatException e = assertThrows(WireFormatException.class, () -> Ablations.Space.parse(JSON.readTree(
                "{\"trials\": 1, \"seeds\": 1, \"lr\": 3, \"parameters\": {\"depth\": {\"choice\": [1]}, \"dropout\": {\"uniform\": [0.5, 0.1]}}}")));
        for (String field : List.of("trials", "seeds", "'lr'", "parameters.depth", "parameters.dropout")) {
            assertTrue(e.getMessage().contains(field), field + " not named in " + e.getMessage());
        }
    }

    @Test
    void ashaKeepsTheTopFractionOnceEnoughTrialsReachedTheRung() {
        Map<String, Double> rung = new LinkedHashMap<>();
        rung.put("a", 0.5);
        assertNull(Ablations.ashaKill("a", 20, rung, 2), "one trial: too early to judge");
        rung.put("b", 0.9);
        assertNull(Ablations.ashaKill("a", 20, rung, 2));
        assertNotNull(Ablations.ashaKill("b", 20, rung, 2), "b is in the bottom half");
        rung.put("c", 0.4);
        rung.put("d", 0.45);
        assertNull(Ablations.ashaKill("c", 20, rung, 2));
        assertNull(Ablations.ashaKill("d", 20, rung, 2));
        assertTrue(Ablations.ashaKill("a", 20, rung, 2).startsWith("ASHA"));
    }

    @Test
    void sanityKillWhenTheLossDidNotFallDuringWarmUp() {
        assertNotNull(Ablations.sanityKill(new double[]{1.4, 1.4, 1.4, 1.41, 1.42, 1.43, 1.45, 1.5, 1.5, 1.5}, 10));
        assertNull(Ablations.sanityKill(new double[]{1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5}, 10));
        assertNull(Ablations.sanityKill(new double[]{1.4, 1.5}, 10), "not warmed up yet");
    }

    @Test
    void aDifferenceWithinSeedNoiseIsReportedAsNoise() {
        ModelConfig m = new ModelConfig("mlp", 1L, 1e-3, List.of(32));
        Ablations.Trial t0 = new Ablations.Trial(0, Map.of("learningRate", 1e-3), m);
        Ablations.Trial t1 = new Ablations.Trial(1, Map.of("learningRate", 3e-3), m);
        var noisy = Ablations.judge(List.of(t0, t1), List.of(t0, t1), Map.of(), List.of(
                new Ablations.SeedBand(t0, List.of(), new double[]{0.30, 0.40, 0.35}, new double[]{0.9, 0.88, 0.89}),
                new Ablations.SeedBand(t1, List.of(), new double[]{0.33, 0.41, 0.37}, new double[]{0.9, 0.87, 0.88})), List.of());
        assertEquals(Verdict.WARN, noisy.verdict());
        assertTrue(noisy.summary().contains("noise"), noisy.summary());
        var clear = Ablations.judge(List.of(t0, t1), List.of(t0, t1), Map.of(), List.of(
                new Ablations.SeedBand(t0, List.of(), new double[]{0.10, 0.11, 0.12}, new double[]{0.97, 0.96, 0.97}),
                new Ablations.SeedBand(t1, List.of(), new double[]{0.40, 0.41, 0.39}, new double[]{0.8, 0.81, 0.8})), List.of());
        assertEquals(Verdict.PASS, clear.verdict());
        assertEquals(0.11, clear.evidence().get("rank1_val_loss_mean"), 1e-12);
        assertEquals(Verdict.FAIL, Ablations.judge(List.of(t0, t1), List.of(), Map.of(t0, "ASHA", t1, "sanity"), List.of(), List.of()).verdict());
    }

    @Test
    void aTrialDescribesItselfAtReadablePrecision() {
        Ablations.Trial t = new Ablations.Trial(0, new java.util.LinkedHashMap<>(java.util.Map.of("learningRate", 0.0016545737636262452)),
                new dev.preflight.wire.ModelConfig("cnn", 1L, 1e-3, null));
        assertEquals("{learningRate=0.00165}", t.describe());
    }

    @Test
    void anImportedKerasModelKeepsItsDefinitionAndIsVariedInWhatItAllows() throws Exception {
        String json = ModelCheckTest.model(null, ModelCheckTest.dense("hidden", 16, "relu", "flat"),
                ModelCheckTest.layer("Dropout", "d", "\"rate\": 0.1", "hidden"), ModelCheckTest.dense("out", 10, "softmax", "d"));
        ModelConfig keras = ModelCheckTest.config(json).toBuilder().kerasWeights("/w.weights.h5").build();
        Map<String, Object> drawn = new LinkedHashMap<>();
        drawn.put("learningRate", 3e-3);
        drawn.put("hiddenUnits", List.of(128));
        drawn.put("dropout", 0.3);
        ModelConfig trial = Ablations.apply(keras, drawn);
        assertEquals(keras.keras(), trial.keras());
        assertEquals("/w.weights.h5", trial.kerasWeights());
        assertEquals(3e-3, trial.learningRate());
        assertEquals(0.3, trial.dropout(), "replaces every Dropout layer's rate");
        assertNull(trial.hiddenUnits(), "widths are the definition's");
        assertEquals(List.of(), new dev.preflight.wire.RunSpec("shapes", new dev.preflight.wire.DataConfig(1L, 0, 8, 0.2), trial, 10, null).problems());
    }

    static String importedCnn() {
        return ModelCheckTest.model(null, ModelCheckTest.dense("hidden", 16, "relu", "flat"),
                ModelCheckTest.layer("Dropout", "d", "\"rate\": 0.1", "hidden"), ModelCheckTest.dense("out", 10, "softmax", "d"));
    }

    static dev.preflight.keras.KerasModel keras(ModelConfig m) {
        return dev.preflight.keras.KerasModel.parse(m.keras());
    }

    @Test
    void widthMultipliersGiveDistinctImportedModelsWithTheOutputLeftAtTheClassCount() throws Exception {
        ModelConfig base = ModelCheckTest.config(importedCnn());
        Ablations.Space space = Ablations.Space.parse(JSON.readTree("""
                {"trials": 6, "steps": 60, "parameters": {"width": {"choice": [0.5, 2]}, "width.hidden": {"choice": [8, 64]}}}"""));
        assertEquals(List.of(), Ablations.problems(space, base));
        java.util.Set<List<Integer>> seen = new java.util.HashSet<>();
        for (Ablations.Trial t : Ablations.sample(space, base, 3)) {
            double m = (Double) t.values().get("width");
            int hidden = ((Double) t.values().get("width.hidden")).intValue();
            dev.preflight.keras.KerasModel k = keras(t.model());
            List<Integer> widths = List.of(k.layer("conv").intArg("filters", -1), k.layer("hidden").intArg("units", -1), k.layer("out").intArg("units", -1));
            assertEquals(List.of((int) Math.round(4 * m), hidden, 10), widths, t.describe() + ": conv scaled, hidden set, output kept");
            seen.add(widths);
            long params = k.infer(null).totalParameters();
            long conv = 9L * widths.get(0) + widths.get(0);
            assertEquals(conv + (64L * widths.get(0) + 1) * hidden + (hidden + 1L) * 10, params, "the trial's own parameter count");
            assertEquals(List.of(), new dev.preflight.wire.RunSpec("shapes", new dev.preflight.wire.DataConfig(1L, 0, 8, 0.2), t.model(), 10, null).problems());
        }
        assertTrue(seen.size() >= 3, "distinct models: " + seen);
        assertEquals(4, keras(base).layer("conv").intArg("filters", -1), "the base definition is left as it was");
    }

    @Test
    void impossibleWidthChangesAreRefusedNamingTheLayer() throws Exception {
        ModelConfig base = ModelCheckTest.config(importedCnn());
        assertEquals(List.of("parameters.width.out = 5.0: layer 'out' (Dense): is the output layer: its units are the model's outputs (the class count)"),
                Ablations.problems(Ablations.Space.parse(JSON.readTree("{\"parameters\": {\"width.out\": {\"choice\": [5]}}}")), base));
        assertEquals(List.of("parameters.width.flat = 3.0: layer 'flat' (Flatten): has no width an ablation can change (only [Conv2D, Conv2DTranspose, Dense, SeparableConv2D] do)"),
                Ablations.problems(Ablations.Space.parse(JSON.readTree("{\"parameters\": {\"width.flat\": {\"choice\": [3]}}}")), base));
        ModelConfig pretrained = base.toBuilder().kerasWeights("upload:w-0123456789abcdef").build();
        assertTrue(Ablations.problems(Ablations.Space.parse(JSON.readTree("{\"parameters\": {\"width\": {\"uniform\": [0.5, 2]}}}")), pretrained)
                .contains("parameters.width = 0.5: layer 'conv' (Conv2D): its width is fixed by the pretrained weights the run loads "
                        + "(kerasWeights): leave widths out of the search or drop the weights"));
        assertEquals(List.of("parameters.hiddenUnits does not apply to an imported Keras model (the definition says it): use width or width.<layer> for its widths"),
                Ablations.problems(Ablations.Space.parse(JSON.readTree("{\"parameters\": {\"hiddenUnits\": {\"choice\": [[8]]}}}")), base));

        // A residual: conv's output is added to the input itself, whose width is the data's.
        String residual = "{\"class_name\": \"Functional\", \"config\": {\"layers\": [" + String.join(", ",
                ModelCheckTest.layer("InputLayer", "in", "\"batch_input_shape\": [null, 8, 8, 1]"),
                ModelCheckTest.layer("Conv2D", "conv", "\"filters\": 1, \"kernel_size\": 3, \"padding\": \"same\", \"activation\": \"relu\"", "in"),
                ModelCheckTest.layer("Add", "add", "", "in", "conv"),
                ModelCheckTest.layer("Flatten", "flat", "", "add"),
                ModelCheckTest.dense("out", 10, "softmax", "flat"))
                + "], \"input_layers\": [[\"in\", 0, 0]], \"output_layers\": [[\"out\", 0, 0]]}}";
        List<String> tied = Ablations.problems(Ablations.Space.parse(JSON.readTree("{\"parameters\": {\"width\": {\"choice\": [1, 2]}}}")),
                ModelCheckTest.config(residual));
        assertEquals(1, tied.size(), tied.toString());
        assertTrue(tied.get(0).startsWith("parameters.width = 2.0: width x2.0 cannot apply: layer 'add' (Add): adds shapes [8, 8, 1] and [8, 8, 2]"), tied.get(0));
        assertTrue(Ablations.problems(Ablations.Space.parse(JSON.readTree("{\"parameters\": {\"width\": {\"choice\": [2]}}}")),
                new ModelConfig("mlp", 1L, 1e-3, List.of(32))).get(0).startsWith("parameters.width applies to imported Keras models"));
    }

    static final String RECIPE_SPACE = """
            {"trials": 24, "steps": 200, "rungs": [30, 100], "warmup": 30, "seeds": 2, "top": 1,
             "parameters": {"batchSize": {"choice": [16, 64]}, "resolution": {"choice": [[14, 14], [28, 28]]},
                            "augment.translatePixels": {"choice": [0, 3]}, "augment.hflip": {"choice": [false, true]},
                            "lrSchedule": {"choice": ["constant", "step", "cosine"]}, "lrStepEvery": {"choice": [50]},
                            "lrStepGamma": {"uniform": [0.1, 0.5]}}}""";

    @Test
    void batchSizeResolutionEachAugmentationAndTheScheduleAreDrawnAndMakeTheTrialsRun() throws Exception {
        Ablations.Space space = Ablations.Space.parse(JSON.readTree(RECIPE_SPACE));
        ModelConfig base = new ModelConfig("cnn", 1L, 1e-3, null);
        assertEquals(List.of(), Ablations.problems(space, base, 64));
        assertEquals(List.of(), Ablations.datasetProblems(space, new int[]{28, 28, 1}));
        // The experiment's own augmentation (a rotation) stays under the per-field draws.
        dev.preflight.wire.DataConfig experiment = new dev.preflight.wire.DataConfig(7L, 0, 64, 0.2)
                .withAugment(new dev.preflight.wire.Augmentation(null, null, 10.0, null, null, null, null));
        java.util.Set<Object> seen = new java.util.HashSet<>();
        List<Ablations.Trial> trials = Ablations.sample(space, base, 11);
        assertEquals(trials, Ablations.sample(space, base, 11), "reproducible from the seed");
        for (Ablations.Trial t : trials) {
            Map<String, Object> v = t.values();
            int batch = (Integer) v.get("batchSize");
            List<?> hw = (List<?>) v.get("resolution");
            int shift = (Integer) v.get("augment.translatePixels");
            boolean flip = (Boolean) v.get("augment.hflip");
            String schedule = (String) v.get("lrSchedule");
            double gamma = (Double) v.get("lrStepGamma");
            assertTrue(gamma >= 0.1 && gamma <= 0.5, "gamma " + gamma);
            seen.addAll(List.of(batch, hw, "shift" + shift, "flip" + flip, schedule));

            dev.preflight.wire.DataConfig d = Ablations.trialData(experiment, t);
            assertEquals(batch, d.batchSize());
            assertEquals(hw, d.resolution());
            assertEquals(10.0, d.augment().rotationDegrees(), "the experiment's rotation is kept");
            assertEquals(shift, d.augment().translatePixels());
            assertEquals(flip, d.augment().hflip());
            ModelConfig m = Ablations.trialModel(t, 64);
            assertEquals(schedule, m.lrSchedule());
            assertEquals(gamma, m.lrStepGamma());
            assertEquals(50 * 64 / batch, m.lrStepEvery(), "lrStepEvery counts steps at the experiment's batch size");
            assertEquals(List.of(), new dev.preflight.wire.RunSpec("shapes", d, m, Ablations.atBatch(200, 64, t), null).problems(), t.describe());
            assertTrue(t.describe().contains("batchSize=" + batch + ", resolution=" + hw), t.describe());
        }
        assertEquals(java.util.Set.of(16, 64, List.of(14, 14), List.of(28, 28), "shift0", "shift3", "flipfalse", "fliptrue",
                "constant", "step", "cosine"), seen, "every value of every parameter is drawn in 24 trials");
        assertTrue(Ablations.Space.PARAMETERS.containsAll(List.of("batchSize", "resolution", "augment.<field>", "lrSchedule",
                "lrStepEvery", "lrStepGamma")));
    }

    @Test
    void trialsAtDifferentBatchSizesAreComparedAtEqualSamplesSeen() {
        ModelConfig m = new ModelConfig("mlp", 1L, 1e-3, List.of(8));
        Ablations.Trial small = new Ablations.Trial(0, Map.of("batchSize", 16), m);
        Ablations.Trial big = new Ablations.Trial(1, Map.of("batchSize", 128), m);
        Ablations.Trial unsearched = new Ablations.Trial(2, Map.of("learningRate", 1e-3), m);
        for (int baseSteps : List.of(200, 30, 100)) {
            assertEquals(baseSteps * 64L, (long) Ablations.atBatch(baseSteps, 64, small) * 16, "batch 16 sees as many samples at " + baseSteps);
            assertEquals(baseSteps * 64L, (long) Ablations.atBatch(baseSteps, 64, big) * 128);
            assertEquals(baseSteps, Ablations.atBatch(baseSteps, 64, unsearched), "no batchSize in the space: steps are steps");
        }
        assertEquals(800, Ablations.atBatch(200, 64, small));
        assertEquals(15, Ablations.atBatch(30, 64, big));
        assertEquals(1, Ablations.atBatch(1, 64, new Ablations.Trial(3, Map.of("batchSize", 4096), m)), "never below one step");
    }

    @Test
    void badValuesOfTheNewParametersAreRefusedNamingTheParameter() throws Exception {
        WireFormatException kinds = assertThrows(WireFormatException.class, () -> Ablations.Space.parse(JSON.readTree("""
                {"parameters": {"augment.shear": {"choice": [1]}, "batchSize": {"choice": [16.5, 32]}, "resolution": {"uniform": [7, 28]},
                                "augment.hflip": {"choice": ["yes"]}, "lrSchedule": {"choice": [3]}, "augment": {"choice": [{"shear": 2}]},
                                "channels": {"choice": [[14]]}, "hiddenUnits": {"choice": [[0]]}}}""")));
        String m = kinds.getMessage();
        for (String named : List.of("parameters.augment.shear is not an augmentation; one of [augment.hflip, augment.vflip, augment.rotationDegrees, "
                        + "augment.translatePixels, augment.noiseStd, augment.brightness, augment.contrast]",
                "parameters.batchSize: 16.5 is not whole numbers", "parameters.resolution takes {\"choice\": [..]} only",
                "parameters.augment.hflip: \"yes\" is not true or false", "parameters.lrSchedule: 3 is not names",
                "parameters.augment: ", "shear", "parameters.hiddenUnits: [0] is not lists of whole numbers >= 1")) {
            assertTrue(m.contains(named), named + " not in " + m);
        }
        assertFalse(m.contains("parameters.channels"), "[[14]] is a valid channel list: " + m);
        assertThrows(WireFormatException.class, () -> Ablations.Space.parse(JSON.readTree("{\"parameters\": {\"resolution\": {\"choice\": [[14]]}}}")));

        ModelConfig cnn = new ModelConfig("cnn", 1L, 1e-3, null);
        assertEquals(List.of("parameters.lrSchedule = linear: model.lrSchedule 'linear' is unknown, expected one of [constant, step, cosine]",
                "parameters.lrSchedule = step: model.lrStepEvery must be >= 1 with lrSchedule step, was null"),
                Ablations.problems(Ablations.Space.parse(JSON.readTree("{\"parameters\": {\"lrSchedule\": {\"choice\": [\"linear\", \"step\"]}}}")), cnn, 64));
        assertEquals(List.of("parameters.augment.translatePixels = 99: data.augment.translatePixels must be in [0, 64], was 99"),
                Ablations.problems(Ablations.Space.parse(JSON.readTree("{\"parameters\": {\"augment.translatePixels\": {\"choice\": [0, 99]}}}")), cnn, 64));
        assertEquals(List.of("parameters.batchSize = 4096: the space's steps count at the experiment's batch size 64 (trials compare at equal "
                        + "samples seen), so 200 steps are 3 at batch 4096, fewer than 10: raise steps or lower the largest batch size",
                "parameters.batchSize = 5000: data.batchSize must be in [1, 4096], was 5000"),
                Ablations.problems(Ablations.Space.parse(JSON.readTree("{\"steps\": 200, \"parameters\": {\"batchSize\": {\"choice\": [16, 4096, 5000]}}}")), cnn, 64));
        assertEquals(List.of("parameters.resolution does not apply to an imported Keras model: its input shape is the definition's"),
                Ablations.problems(Ablations.Space.parse(JSON.readTree("{\"parameters\": {\"resolution\": {\"choice\": [[4, 4]]}}}")),
                        ModelCheckTest.config(importedCnn()), 64));

        Ablations.Space data = Ablations.Space.parse(JSON.readTree("""
                {"parameters": {"resolution": {"choice": [[14, 14], [56, 28]]}, "augment.hflip": {"choice": [false, true]},
                                "augment.noiseStd": {"choice": [0, 0.1]}}}"""));
        assertEquals(List.of("parameters.resolution = [56, 28]: larger than the dataset's stored images [28, 28] (upscaling adds pixels, not information)"),
                Ablations.datasetProblems(data, new int[]{28, 28, 1}));
        assertEquals(List.of("parameters.resolution needs image samples [h, w, c]; the dataset's samples have shape [4] (not images)",
                "parameters.augment.hflip = true: flips, rotation and translation need image samples; the dataset's samples have shape [4]"),
                Ablations.datasetProblems(data, new int[]{4}), "noise applies to a table; flips and resolutions do not");
    }
}
