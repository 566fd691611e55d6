package dev.preflight.ladder;

import dev.preflight.recipe.Ablations;
import dev.preflight.recipe.InitCheck;
import dev.preflight.recipe.Report;
import dev.preflight.recipe.Stage;
import dev.preflight.recipe.StageResult;
import dev.preflight.recipe.Stages;
import dev.preflight.recipe.Verdict;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ladder as a loop over {@link Stage}s, driven through a fake {@link Runs}: no broker, no services. */
class LadderLoopTest {

    static final ModelConfig MLP = new ModelConfig("mlp", 1L, 1e-3, List.of(8));

    /** Runs that finish at once with a fixed history; records what was submitted. */
    static class FakeRuns implements Runs {
        final Map<String, RunSpec> submitted = new LinkedHashMap<>();
        final List<String> killed = new ArrayList<>();

        @Override
        public String submit(RunSpec spec) {
            String id = "run-" + submitted.size();
            submitted.put(id, spec);
            return id;
        }

        @Override
        public Status status(String runId) {
            return new Status(runId, "FINISHED", 1, 2.3, 2.3, "");
        }

        @Override
        public History history(String runId) {
            return new History(List.of(new TrainStep(runId, 1, 2.302, 0.1, 0.0, 0.1, 64)), List.of(new ValStep(runId, 1, 2.3, 0.1, 64)));
        }

        @Override
        public java.util.Optional<dev.preflight.wire.SamplePredictions> predictions(String runId, String split) {
            return java.util.Optional.empty();
        }

        @Override
        public boolean kill(String runId, String reason) {
            killed.add(runId);
            return true;
        }
    }

    record Fixed(String name, Verdict verdict, List<String> climbed) implements Stage {
        @Override
        public String recipeLine() {
            return "a test";
        }

        @Override
        public StageResult climb(StageContext ctx) {
            climbed.add(name);
            return new StageResult(name, verdict, Map.of(), verdict.toString(), List.of());
        }
    }

    @Test
    void aFailStopsTheLadderAndEveryJudgedStageIsReportedAsItIsJudged() {
        List<String> climbed = new ArrayList<>();
        List<String> reported = new ArrayList<>();
        LadderOptions o = LadderOptions.of("e", "d", MLP).withStages(List.of(new Fixed("a", Verdict.PASS, climbed),
                new Fixed("b", Verdict.WARN, climbed), new Fixed("c", Verdict.FAIL, climbed), new Fixed("d", Verdict.PASS, climbed)));
        Report r = new Ladder(new FakeRuns(), null, o, (s, p) -> { }, s -> reported.add(s.name())).run();
        assertEquals(List.of("a", "b", "c"), climbed);
        assertEquals(List.of("a", "b", "c"), reported);
        assertEquals(Verdict.FAIL, r.verdict());
        assertEquals(List.of("d"), r.notReached(), "the stage after the FAIL is listed as not reached");
    }

    /**
     * The pipeline refusing a stage's run (here the gateway's 400, as the data-service refuses a resolution on a
     * segmentation dataset) FAILs that stage with the reason; the ladder stops there with a report, not an exception.
     */
    @Test
    void aRefusedRunFailsItsStageWithTheReasonAndTheLadderReports() {
        FakeRuns refusing = new FakeRuns() {
            @Override
            public String submit(RunSpec spec) {
                throw new Runs.RejectedException("invalid run spec: data.resolution: segmentation datasets keep their stored size");
            }
        };
        List<String> climbed = new ArrayList<>();
        LadderOptions o = LadderOptions.of("e", "shapes", MLP).withStages(List.of(new Fixed("a", Verdict.PASS, climbed),
                new InitCheck(), new Fixed("d", Verdict.PASS, climbed)));
        Report r = new Ladder(refusing, null, o, (s, p) -> { }, s -> { }).run();
        assertEquals(Verdict.FAIL, r.verdict());
        StageResult init = r.stages().get(1);
        assertEquals(InitCheck.NAME, init.name());
        assertEquals(Verdict.FAIL, init.verdict());
        assertTrue(init.summary().contains("refused") && init.summary().contains("data.resolution"), init.summary());
        assertEquals(List.of("d"), r.notReached());
        assertEquals(List.of("a"), climbed);
    }

    /** The adversarial stage builds on an l1-regression that PASSed in the same ladder; otherwise it trains nothing. */
    @Test
    void adversarialIsRefusedWithoutAPassingL1RegressionBeforeIt() {
        FakeRuns runs = new FakeRuns();
        Report alone = new Ladder(runs, null, LadderOptions.of("e", "shapes-paired", MLP)
                .withStages(List.of(new dev.preflight.recipe.AdversarialTraining())), (s, p) -> { }, s -> { }).run();
        StageResult r = alone.stages().get(0);
        assertEquals(Verdict.FAIL, r.verdict());
        assertTrue(r.summary().startsWith("refused:") && r.summary().contains("l1-regression did not run before it"), r.summary());
        List<String> climbed = new ArrayList<>();
        Report afterWarn = new Ladder(runs, null, LadderOptions.of("e", "shapes-paired", MLP).withStages(List.of(
                new Fixed(dev.preflight.recipe.L1Regression.NAME, Verdict.WARN, climbed), new dev.preflight.recipe.AdversarialTraining())),
                (s, p) -> { }, s -> { }).run();
        StageResult refused = afterWarn.stages().get(1);
        assertEquals(Verdict.FAIL, refused.verdict());
        assertTrue(refused.summary().contains("l1-regression ended WARN"), refused.summary());
        assertEquals(Map.of(), runs.submitted, "nothing was trained");
        assertEquals(List.of("stages: adversarial starts from the l1-regression stage's weights and needs it to PASS first: name "
                + "l1-regression too"), Stages.dependencyProblems(List.of("data-check", "adversarial")));
        assertEquals(List.of(), Stages.dependencyProblems(List.of("adversarial", "l1-regression")), "any order: the ladder sorts them");
    }

    /**
     * The first and last val windows never overlap: a 20-step run validated at steps 0, 1 and 20 (an eval-service that
     * skipped the rest) compares step 1 with step 20, not the same two points with themselves ("not learning").
     */
    @Test
    void firstAndLastValWindowsAreDisjoint() {
        java.util.function.Function<List<Integer>, List<ValStep>> at = steps -> steps.stream()
                .map(st -> new ValStep("r", st, 1.0 / (st + 1), 0, 8)).toList();
        java.util.function.Function<List<ValStep>, List<Integer>> steps = v -> v.stream().map(ValStep::step).toList();
        StageContext.Ends sparse = StageContext.ends(at.apply(List.of(0, 1, 20)));
        assertEquals(List.of(1), steps.apply(sparse.first()));
        assertEquals(List.of(20), steps.apply(sparse.last()));
        StageContext.Ends one = StageContext.ends(at.apply(List.of(0, 1)));
        assertEquals(List.of(0), steps.apply(one.first()), "one trained point: against the initial weights");
        assertEquals(List.of(1), steps.apply(one.last()));
        StageContext.Ends six = StageContext.ends(at.apply(List.of(0, 1, 2, 3, 4, 5, 6)));
        assertEquals(List.of(1, 2, 3), steps.apply(six.first()));
        assertEquals(List.of(4, 5, 6), steps.apply(six.last()));
        StageContext.Ends many = StageContext.ends(at.apply(java.util.stream.IntStream.rangeClosed(0, 30).boxed().toList()));
        assertEquals(List.of(1, 2, 3, 4, 5), steps.apply(many.first()));
        assertEquals(List.of(26, 27, 28, 29, 30), steps.apply(many.last()));
    }

    /** l1-regression trains an image-to-image model: a classifier's architecture is refused before anything trains. */
    @Test
    void l1RegressionRefusesAClassifiersArchitecture() {
        FakeRuns runs = new FakeRuns();
        Report r = new Ladder(runs, null, LadderOptions.of("e", "shapes-paired", new ModelConfig("cnn", 1L, 1e-3, null))
                .withStages(List.of(new dev.preflight.recipe.L1Regression())), (s, p) -> { }, s -> { }).run();
        StageResult l1 = r.stages().get(0);
        assertEquals(Verdict.FAIL, l1.verdict());
        assertEquals("l1-regression trains an image-to-image model: the zoo's generator (--model generator, model.type generator) "
                + "or your own Keras model, not 'cnn' (a classifier's architecture)", l1.summary());
        assertEquals(Map.of(), runs.submitted, "nothing was trained");
        assertEquals(List.of("model: " + l1.summary()), Stages.problems(List.of("l1-regression"), new ModelConfig("cnn", 1L, 1e-3, null)), "said before anything runs");
        assertEquals(List.of(), Stages.problems(List.of("l1-regression", "adversarial"), new ModelConfig("generator", 1L, 1e-3, null)));
    }

    @Test
    void aLadderThatClimbsEveryStageHasNoneNotReached() {
        LadderOptions o = LadderOptions.of("e", "d", MLP).withStages(List.of(new Fixed("a", Verdict.PASS, new ArrayList<>()),
                new Fixed("b", Verdict.WARN, new ArrayList<>())));
        Report r = new Ladder(new FakeRuns(), null, o, (s, p) -> { }, s -> { }).run();
        assertEquals(List.of(), r.notReached());
        assertEquals(Verdict.WARN, r.verdict());
    }

    @Test
    void aStageSubmitsTaggedRunsAndFollowsThemThroughTheRunsInterface() {
        FakeRuns runs = new FakeRuns();
        StageContext ctx = new StageContext(runs, null, LadderOptions.of("exp-1", "shapes", MLP), (s, p) -> { });
        RunSpec spec = ctx.spec(InitCheck.NAME, ctx.trainingData(64, false), MLP, 1);
        assertEquals("exp-1", spec.experiment());
        assertEquals(InitCheck.NAME, spec.stage());
        String id = ctx.submit(spec);
        RunWatcher.Finished run = ctx.await(id, 1, InitCheck.NAME);
        assertEquals("FINISHED", run.state());
        assertEquals(1, run.history().train().size());
        ctx.keep(InitCheck.NAME, run);
        assertEquals(run, ctx.mainRun(InitCheck.NAME).orElseThrow());
        assertTrue(ctx.mainRun("full-data").isEmpty());
    }

    @Test
    void stagesAreNamedInLadderOrderAndUnknownNamesAreRefusedByName() {
        assertEquals(List.of("model-check", "data-check", "init-check", "overfit-one-sample", "overfit-few-samples", "full-data", "l1-regression",
                        "adversarial", "label-noise", "speed", "ablations", "ensemble"), Stages.EVERY);
        assertEquals(Stages.EVERY.stream().filter(n -> !List.of("l1-regression", "adversarial", "label-noise", "ensemble").contains(n)).toList(),
                Stages.NAMES,
                "the default ladder leaves the opt-in stages out");
        assertEquals(List.of("full-data", "label-noise"), Stages.named(List.of("label-noise", "full-data")).stream().map(Stage::name).toList());
        assertEquals(List.of("init-check", "full-data"), Stages.named(List.of("full-data", "init-check")).stream().map(Stage::name).toList());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Stages.named(List.of("init-check", "warp-drive")));
        assertTrue(e.getMessage().contains("'warp-drive'") && e.getMessage().contains("data-check"), e.getMessage());
        for (Stage s : Stages.every()) {
            assertTrue(s.recipeLine().length() > 20, s.name() + " cites its recipe line");
        }
    }

    @Test
    void withStageReplacesTheStageOfTheSameNameKeepingTheOrder() {
        var json = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("trials", 2);
        json.putObject("parameters").putObject("learningRate").putArray("logUniform").add(1e-4).add(1e-2);
        Ablations.Space small = Ablations.Space.parse(json);
        LadderOptions o = LadderOptions.of("e", "d", MLP).withStage(new Ablations(small));
        assertEquals(Stages.NAMES, o.stageNames());
        Ablations a = (Ablations) o.stages().get(Stages.NAMES.indexOf(Ablations.NAME));
        assertEquals(2, a.space().trials());
        assertNotEquals(Ablations.DEFAULT_SPACE, a.space());
        LadderOptions some = LadderOptions.of("e", "d", MLP).withStages(Stages.named(List.of("init-check"))).withStage(new Ablations(small));
        assertEquals(List.of("init-check"), some.stageNames(), "replacing a stage that is not climbed adds nothing");
    }

    /**
     * A space that does not fit the dataset (a resolution and a flip on a table, as the data-service's stats say)
     * FAILs the ablation stage naming both, before a single trial is submitted.
     */
    @Test
    void anAblationSpaceThatDoesNotFitTheDatasetFailsBeforeAnyTrialRuns() throws Exception {
        com.sun.net.httpserver.HttpServer stats = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        stats.createContext("/api/datasets/penguins/stats", x -> {
            byte[] body = "{\"sampleShape\": [6], \"numClasses\": 3, \"classHistogram\": [146, 68, 119]}".getBytes();
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        stats.start();
        try {
            FakeRuns runs = new FakeRuns();
            Ablations a = new Ablations(Ablations.Space.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                    {"trials": 2, "steps": 20, "seeds": 2, "top": 1, "parameters": {"resolution": {"choice": [[2, 2]]},
                     "augment.hflip": {"choice": [true]}, "augment.noiseStd": {"choice": [0.1]}}}""")));
            StageContext ctx = new StageContext(runs, new DataClient("http://127.0.0.1:" + stats.getAddress().getPort()),
                    LadderOptions.of("exp-1", "penguins", MLP), (st, p) -> { });
            StageResult r = a.climb(ctx);
            assertEquals(Verdict.FAIL, r.verdict(), r.summary());
            assertEquals(List.of("parameters.resolution needs image samples [h, w, c]; the dataset's samples have shape [6] (not images)",
                    "parameters.augment.hflip = true: flips, rotation and translation need image samples; the dataset's samples have shape [6]"),
                    r.findings());
            assertTrue(r.summary().contains("does not fit dataset 'penguins'"), r.summary());
            assertEquals(Map.of(), runs.submitted, "no trial was submitted");
        } finally {
            stats.stop(0);
        }
    }

    /** Trials at batch 16 against an experiment at 64 run 4x the space's steps and a step schedule 4x as long. */
    @Test
    void ablationTrialsAtASmallerBatchRunTheStepsOfEqualSamplesSeen() throws Exception {
        FakeRuns runs = new FakeRuns();
        Ablations a = new Ablations(Ablations.Space.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"trials": 2, "steps": 20, "rungs": [5], "warmup": 5, "seeds": 2, "top": 1, "parameters": {"batchSize": {"choice": [16]},
                 "lrSchedule": {"choice": ["step"]}, "lrStepEvery": {"choice": [10]}}}""")));
        a.climb(new StageContext(runs, null, LadderOptions.of("exp-1", "shapes", MLP), (st, p) -> { }));
        assertEquals(4, runs.submitted.size(), "2 trials, then the best over 2 seeds");
        for (RunSpec spec : runs.submitted.values()) {
            assertEquals(80, spec.steps(), "20 steps of 64 samples are 80 of 16");
            assertEquals(16, spec.data().batchSize());
            assertEquals("step", spec.model().lrSchedule());
            assertEquals(40, spec.model().lrStepEvery(), "the schedule steps at the same samples seen");
        }
    }
}
