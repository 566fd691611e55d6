package dev.preflight.wire;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunSpecTest {

    static final String VALID = """
            {"dataset":"shapes","data":{"seed":1,"subsetSize":1,"batchSize":64,"valFraction":0.2},
             "model":{"type":"mlp","seed":1,"learningRate":0.001,"hiddenUnits":[64]},"steps":100}""";

    @Test
    void validSpecHasNoProblems() {
        RunSpec spec = Json.decode(VALID, RunSpec.class);
        assertEquals(List.of(), spec.problems());
        assertEquals(1, spec.snapshotInterval());
    }

    @Test
    void everyProblemNamesItsField() {
        RunSpec spec = Json.decode("""
                {"dataset":"","data":{"seed":1,"batchSize":0,"valFraction":1.5},
                 "model":{"type":"transformer","learningRate":-0.1,"hiddenUnits":[0]},"steps":0}""", RunSpec.class);
        String all = String.join("\n", spec.problems());
        for (String field : List.of("dataset", "data.subsetSize", "data.batchSize", "data.valFraction", "model.type",
                "model.seed", "model.learningRate", "model.hiddenUnits[0]", "steps")) {
            assertTrue(all.contains(field), "no problem names " + field + " in:\n" + all);
        }
    }

    @Test
    void anAdversarialRunNeedsAGeneratorWithItsL1LossAndValidCriticSettings() {
        String generator = """
                {"dataset":"shapes-paired","data":{"seed":1,"subsetSize":0,"batchSize":32,"valFraction":0.2},
                 "model":{"type":"generator","seed":1,"learningRate":0.001},"steps":100,"initFrom":"run-l1","adversarial":{}}""";
        RunSpec ok = Json.decode(generator, RunSpec.class);
        assertEquals(List.of(), ok.problems(), "the generator's default loss is l1");
        assertEquals(Adversarial.DEFAULT, ok.adversarial());
        assertEquals("run-l1", ok.initFrom());
        assertEquals(List.of("adversarial keeps the generator's L1 loss (Niessner 12/n: L1 first, then add the critic): model.loss "
                + "must be l1 (the generator's default), was 'l2'"),
                Json.decode(generator.replace("\"learningRate\":0.001", "\"learningRate\":0.001,\"loss\":\"l2\""), RunSpec.class).problems());
        assertEquals(List.of("adversarial needs a generator model (model.type generator: an image out for the critic to score), was 'cnn'"),
                Json.decode(generator.replace("generator", "cnn"), RunSpec.class).problems());
        String all = String.join("\n", Json.decode(generator.replace("\"adversarial\":{}", """
                "adversarial":{"criticSteps":0,"clip":-1,"criticLearningRate":0,"adversarialWeight":-0.5,"criticChannels":[],"warmupSteps":-1}""")
                .replace("run-l1", "Run L1!"), RunSpec.class).problems());
        for (String field : List.of("adversarial.criticSteps", "adversarial.clip", "adversarial.criticLearningRate",
                "adversarial.adversarialWeight", "adversarial.criticChannels", "adversarial.warmupSteps", "initFrom")) {
            assertTrue(all.contains(field), "no problem names " + field + " in:\n" + all);
        }
        assertEquals(25, Adversarial.DEFAULT.criticUpdatesAt(20), "warm-up: 5 x n_critic");
        assertEquals(5, Adversarial.DEFAULT.criticUpdatesAt(21));
    }

    @Test
    void earlyStoppingAndContinuationAreValidatedNamingTheirFields() {
        String base = VALID.substring(0, VALID.lastIndexOf('}'));
        RunSpec ok = Json.decode(base + ",\"earlyStopping\":{},\"continueFrom\":{\"runId\":\"r-1\",\"step\":40}}", RunSpec.class);
        assertEquals(List.of(), ok.problems());
        assertEquals(EarlyStopping.DEFAULT_PATIENCE, ok.earlyStopping().patienceOrDefault());
        assertEquals(40, ok.firstStep());
        assertEquals(60, ok.batchCount());
        RunSpec bad = Json.decode(base + ",\"earlyStopping\":{\"patience\":0,\"minDelta\":-1,\"window\":0},"
                + "\"continueFrom\":{\"runId\":\"../x\",\"step\":100}}", RunSpec.class);
        String all = String.join("\n", bad.problems());
        for (String field : List.of("earlyStopping.patience", "earlyStopping.minDelta", "earlyStopping.window",
                "continueFrom.runId", "continueFrom.step")) {
            assertTrue(all.contains(field), "no problem names " + field + " in:\n" + all);
        }
        assertEquals(5, bad.problems().size(), all);
        // A continuation of a run that ended at step 40, 25 more steps: steps 41..65 on a stream of 25 batches.
        RunSpec more = ok.withEarlyStopping(null).continued("r-2", 40, 25);
        assertEquals(65, more.steps());
        assertEquals(new Continuation("r-2", 40), more.continueFrom());
        assertEquals(25, more.batchCount());
    }

    @Test
    void everyModelTypeHasADefaultArchitecture() {
        // "--model mlp" without widths is the most natural first command on a table: it must just work.
        for (String type : ModelConfig.TYPES) {
            if (type.equals("keras")) {
                continue; // the user's definition is the architecture: KerasRunSpecTest
            }
            RunSpec spec = Json.decode(VALID.replace(",\"hiddenUnits\":[64]", "").replace("\"mlp\"", "\"" + type + "\""), RunSpec.class);
            assertEquals(List.of(), spec.problems(), type);
        }
        ModelConfig mlp = new ModelConfig("mlp", 1L, 1e-3, null);
        assertEquals(List.of(64), mlp.hiddenOrDefault());
        assertEquals(List.of(), new ModelConfig("mlp", 1L, 1e-3, List.of()).hiddenOrDefault(), "[] stays a linear model");
    }

    @Test
    void missingSectionsAreNamed() {
        assertEquals(List.of("dataset is required", "data is required", "model is required", "steps is required"),
                Json.decode("{}", RunSpec.class).problems());
    }

    @Test
    void zeroLearningRateIsAcceptedBecauseStagesMustCatchIt() {
        RunSpec spec = Json.decode(VALID.replace("0.001", "0"), RunSpec.class);
        assertEquals(List.of(), spec.problems());
    }

    @Test
    void unknownFieldIsAnErrorNamingIt() {
        WireFormatException e = assertThrows(WireFormatException.class,
                () -> Json.decode(VALID.replace("\"steps\"", "\"stepz\""), RunSpec.class));
        assertTrue(e.getMessage().contains("stepz"), e.getMessage());
    }

    @Test
    void runSubmittedRejectsBadIdsAndInvalidSpecs() {
        RunSpec spec = Json.decode(VALID, RunSpec.class);
        assertEquals("run-1", RunSubmitted.decode(Json.encode(new RunSubmitted("run-1", spec, 0))).runId());
        assertThrows(WireFormatException.class, () -> RunSubmitted.decode(Json.encode(new RunSubmitted("../etc", spec, 0))));
        RunSpec bad = new RunSpec("shapes", spec.data(), spec.model(), -1, null);
        assertTrue(assertThrows(WireFormatException.class,
                () -> RunSubmitted.decode(Json.encode(new RunSubmitted("run-1", bad, 0)))).getMessage().contains("steps"));
    }

    @Test
    void predictionsNameSplitsOnceAndAChunkMustLieInsideItsSplit() {
        RunSpec spec = Json.decode(VALID.substring(0, VALID.lastIndexOf('}')) + ",\"predictions\":[\"train\",\"test\",\"train\"]}", RunSpec.class);
        assertEquals(List.of("predictions must name splits among [train, val], was 'test'", "predictions names a split twice: [train, test, train]"),
                spec.problems());
        assertEquals(List.of("val"), Json.decode(Json.encode(spec.withPredictions(List.of("val"))), RunSpec.class).predictionSplits());
        assertEquals(List.of(), spec.withPredictions(null).predictionSplits());
        assertEquals(List.of("predictions must name splits among [train, val], was 'null'"),
                Json.decode(VALID.substring(0, VALID.lastIndexOf('}')) + ",\"predictions\":[null]}", RunSpec.class).problems());
        byte[] outside = Json.encode(SamplePredictions.of("r-1", 5, "val", 2, 1, new int[]{4, 5}, new int[]{0, 1}, new float[][]{{1f}, {1f}}));
        WireFormatException e = org.junit.jupiter.api.Assertions.assertThrows(WireFormatException.class, () -> SamplePredictions.decode(outside));
        assertEquals("SamplePredictions chunk [1, 3) lies outside its split of 2", e.getMessage());
    }
}
