package dev.preflight.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.cli.stack.LocalStack;
import dev.preflight.cli.stack.Service;
import dev.preflight.ladder.GatewayClient;
import dev.preflight.wire.Batch;
import dev.preflight.wire.BatchCodec;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.ValSampling;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the docs promise about files other tools read, checked with those tools (issue 16): after one real run on a
 * local stack,
 * <ul>
 *   <li>TensorBoard's own reader ({@code EventAccumulator}, every event kept) finds in the gateway's event files
 *       exactly the scalar tags docs/operations.md lists, at exactly the steps of the gateway's per-step history, each
 *       value the history's rounded to float32 (what the event proto holds), and the {@code preview} images at step 0
 *       (or, as the docs allow, the gateway's log line saying it could not fetch them);</li>
 *   <li>TensorFlow (Python) loads the SavedModel the trainer exported ({@code <exports>/<runId>}, signature
 *       {@code serving_default}: {@code features} in, {@code probabilities} out) and, fed the very samples the
 *       eval-service scored at the run's last step, gives what it reported: the loss of the fixed val batch and of
 *       that step's random val batch, the fixed batch's prediction per sample and the confusion matrix of the random
 *       one. The eval-service reports no probabilities, so they are checked through the loss (mean -ln p[label]).</li>
 * </ul>
 * The readers are deploy-checks/src/test/python/read_back.py, run with python3; .ci/run installs the pinned
 * packages. CI only (tag e2e); without python3 or its packages it fails in CI and is skipped elsewhere.
 */
@Tag("e2e")
class TensorBoardAndSavedModelE2ETest {

    static final String PIP = "pip install tensorboard==2.21.0 tensorflow-cpu==2.21.0";
    static final Path SCRIPT = Repo.path("deploy-checks/src/test/python/read_back.py");
    static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);
    /** Small on purpose: a CNN (so convolutions go through the SavedModel too) on the built-in shapes, 2 cores. */
    static final int STEPS = 120;

    static LocalStack stack;
    static Path work;
    static RunSpec spec;
    static String runId;
    static GatewayClient.History history;

    @BeforeAll
    static void start() throws Exception {
        Repo.requirePython(PIP, "tensorboard", "tensorflow", "numpy");
        work = Repo.path("deploy-checks/target/tools-read-back");
        Files.createDirectories(work);
        stack = E2EStack.get();
        GatewayClient gateway = stack.gateway();
        spec = new RunSpec("shapes", new DataConfig(11L, 0, 32, 0.2), new ModelConfig("cnn", 11L, 1e-3, null), STEPS, 10);
        runId = gateway.submit(spec);
        DashboardQueriesE2ETest.await("run " + runId + " finished and validated at its last step", RUN_TIMEOUT, () -> {
            JsonNode run = gateway.run(runId);
            String state = run.path("state").asText();
            if (state.equals("FAILED") || state.equals("KILLED")) {
                fail("the run ended " + state + ": " + run);
            }
            return state.equals("FINISHED") && run.path("valStep").asInt() == STEPS;
        });
        history = gateway.history(runId);
        assertEquals(STEPS, history.train().size(), "train steps in the history");
        assertEquals(STEPS, last(history.val()).step(), "the last validated step");
    }

    @Test
    void tensorBoardReadsTheHistoryStepForStep() throws Exception {
        Path runDir = E2EStack.dir().resolve("stack/tensorboard").resolve(runId);
        // Files are flushed every second: read until the last steps are there.
        JsonNode tb = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            tb = Repo.JSON.readTree(python("tensorboard", runDir.toString()));
            if (lastStep(tb.at("/train/scalars/loss")) == STEPS && lastStep(tb.at("/val/scalars/loss")) == STEPS) {
                break;
            }
            Thread.sleep(1000);
        }
        Map<String, Function<TrainStep, Double>> train = new LinkedHashMap<>();
        train.put("loss", TrainStep::loss);
        train.put("step_seconds", TrainStep::stepSeconds);
        train.put("data_wait_seconds", TrainStep::dataWaitSeconds);
        train.put("compute_seconds", TrainStep::computeSeconds);
        train.put("samples_per_second", TrainStep::samplesPerSecond);
        Map<String, Function<ValStep, Double>> val = new LinkedHashMap<>();
        val.put("loss", ValStep::valLoss);
        val.put("accuracy", ValStep::valAccuracy);
        val.put("f1", ValStep::macroF1);

        List<String> problems = new ArrayList<>();
        List<String> previews = new ArrayList<>();
        double[] maxDiff = new double[2];
        int points = compare("train", tb.get("train"), history.train(), TrainStep::step, train, problems, maxDiff)
                + compare("val", tb.get("val"), history.val(), ValStep::step, val, problems, maxDiff);
        for (String split : List.of("train", "val")) {
            JsonNode files = tb.at("/" + split + "/files");
            if (files.size() != 1 || !files.get(0).asText().startsWith("events.out.tfevents.")) {
                problems.add(split + ": expected one events.out.tfevents.* file, found " + files);
            }
            // The preview is fetched from the data-service when the run starts, a 404 retried until the data-service
            // has read the submission: both images must be there.
            JsonNode images = tb.at("/" + split + "/images");
            if (images.isEmpty()) {
                problems.add(split + ": no image 'preview' (the gateway's log says why: grep 'preview for " + runId + "')");
            } else if (!images.toString().equals("{\"preview\":[0]}")) {
                problems.add(split + ": expected the image 'preview' at step 0, found images " + images);
            } else {
                previews.add(split + " preview at step 0");
            }
        }
        System.out.printf("TensorBoard's EventAccumulator vs the gateway's history of %s: %d (tag, step) points, "
                + "max |tb - history| %.3g, max relative %.3g; %s%n", runId, points, maxDiff[0], maxDiff[1], String.join(", ", previews));
        assertTrue(problems.isEmpty(), "TensorBoard reads " + runDir + " otherwise than the history says:\n" + String.join("\n", problems));
    }

    /** Every tag the docs list, nothing else; per tag the history's steps (those that have the value) and values. */
    private static <S> int compare(String split, JsonNode read, List<S> steps, Function<S, Integer> stepOf,
                                   Map<String, Function<S, Double>> tags, List<String> problems, double[] maxDiff) {
        int points = 0;
        TreeSet<String> found = new TreeSet<>();
        read.get("scalars").fieldNames().forEachRemaining(found::add);
        if (!found.equals(new TreeSet<>(tags.keySet()))) {
            problems.add(split + ": scalar tags " + found + ", the docs list " + tags.keySet());
        }
        for (var tag : tags.entrySet()) {
            JsonNode events = read.at("/scalars/" + tag.getKey());
            List<String> expected = new ArrayList<>();
            List<String> actual = new ArrayList<>();
            for (S s : steps) {
                Double v = tag.getValue().apply(s);
                if (v != null) {
                    expected.add(stepOf.apply(s) + "=" + (double) v.floatValue());
                }
            }
            for (JsonNode e : events) {
                actual.add(e.get(0).asInt() + "=" + e.get(1).asDouble());
            }
            if (!expected.equals(actual)) {
                problems.add(split + "/" + tag.getKey() + ": " + firstDifference(expected, actual));
                continue;
            }
            int i = 0;
            for (S s : steps) {
                Double v = tag.getValue().apply(s);
                if (v != null) {
                    double diff = Math.abs(events.get(i++).get(1).asDouble() - v);
                    maxDiff[0] = Math.max(maxDiff[0], diff);
                    maxDiff[1] = Math.max(maxDiff[1], v == 0 ? diff : diff / Math.abs(v));
                }
            }
            points += events.size();
        }
        return points;
    }

    private static String firstDifference(List<String> expected, List<String> actual) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                return "event " + i + ": TensorBoard read step=value " + actual.get(i) + ", the history (as float32) " + expected.get(i);
            }
        }
        return "TensorBoard read " + actual.size() + " events, the history has " + expected.size()
                + " (last read " + (actual.isEmpty() ? "none" : last(actual)) + ", last in history " + (expected.isEmpty() ? "none" : last(expected)) + ")";
    }

    @Test
    void savedModelGivesWhatTheEvalServiceReportedAtTheLastStep() throws Exception {
        Path export = stack.exports().resolve(runId);
        assertTrue(Files.isRegularFile(export.resolve("saved_model.pb")), "no SavedModel at " + export);
        ValStep reported = last(history.val());
        assertNotNull(reported.fixedBatchLoss(), "the eval-service evaluates the fixed batch at the last step: " + reported);
        DataConfig d = spec.data();

        // The fixed val batch: same samples (its labels say so), same predictions per sample, same loss.
        Batch fixed = valBatch(d, reported.fixedBatchLabels().length, ValSampling.fixedSampleSeed(d.seed()));
        assertArrayEquals(reported.fixedBatchLabels(), fixed.labels(),
                "the fixed batch fetched is not the one the eval-service scored: has Evaluator.fixedSampleSeed changed?");
        Scored f = score(export, fixed, "fixed");
        assertArrayEquals(reported.fixedBatchPredictions(), f.predictions, "fixed-batch predictions, SavedModel vs eval-service");
        double fixedRel = Math.abs(f.loss - reported.fixedBatchLoss()) / reported.fixedBatchLoss();

        // The random val batch of the last step: same loss, same confusion matrix (so the same accuracy).
        Batch val = valBatch(d, reported.batchSize(), ValSampling.sampleSeed(d.seed(), reported.step()));
        Scored v = score(export, val, "val");
        int[][] confusion = new int[val.numClasses()][val.numClasses()];
        for (int i = 0; i < val.size(); i++) {
            confusion[val.labels()[i]][v.predictions[i]]++;
        }
        double valRel = Math.abs(v.loss - reported.valLoss()) / reported.valLoss();

        System.out.printf("SavedModel (TensorFlow %s) vs eval-service at step %d: fixed batch of %d loss %.7g vs %.7g (rel %.2g), "
                        + "predictions identical; val batch of %d loss %.7g vs %.7g (rel %.2g), accuracy %.4f; max |sum(p) - 1| %.2g%n",
                f.tensorflow, reported.step(), fixed.size(), f.loss, reported.fixedBatchLoss(), fixedRel, val.size(), v.loss,
                reported.valLoss(), valRel, reported.valAccuracy(), Math.max(f.maxSumError, v.maxSumError));
        assertTrue(fixedRel < 1e-5, "fixed-batch loss: SavedModel " + f.loss + ", eval-service " + reported.fixedBatchLoss());
        assertTrue(valRel < 1e-5, "val loss: SavedModel " + v.loss + ", eval-service " + reported.valLoss());
        assertTrue(Arrays.deepEquals(reported.confusion(), confusion),
                "confusion matrix: SavedModel " + Arrays.deepToString(confusion) + ", eval-service " + Arrays.deepToString(reported.confusion()));
        assertTrue(Math.max(f.maxSumError, v.maxSumError) < 1e-5, "probabilities do not sum to 1");
    }

    /** What the SavedModel's probabilities say about a batch: mean cross-entropy, argmax per sample, sum error. */
    record Scored(double loss, int[] predictions, double maxSumError, String tensorflow) {
    }

    private static Scored score(Path export, Batch batch, String name) throws Exception {
        float[] x = batch.features();
        ByteBuffer bytes = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(x);
        Path file = work.resolve(name + ".f32");
        Files.write(file, bytes.array());
        JsonNode out = Repo.JSON.readTree(python("savedmodel", export.toString(), file.toString(),
                String.valueOf(batch.size()), String.valueOf(batch.sampleSize())));
        assertEquals("[\"features\"]", out.get("inputs").toString(), "serving_default's inputs");
        assertEquals("[\"probabilities\"]", out.get("outputs").toString(), "serving_default's outputs");
        JsonNode p = out.get("probabilities");
        assertEquals(batch.size(), p.size(), "rows of probabilities");
        double loss = 0;
        double sumError = 0;
        int[] predictions = new int[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            JsonNode row = p.get(i);
            assertEquals(batch.numClasses(), row.size(), "probabilities per sample");
            double sum = 0;
            for (int c = 0; c < row.size(); c++) {
                sum += row.get(c).asDouble();
                if (row.get(c).asDouble() > row.get(predictions[i]).asDouble()) {
                    predictions[i] = c;
                }
            }
            sumError = Math.max(sumError, Math.abs(sum - 1));
            loss -= Math.log(row.get(batch.labels()[i]).asDouble());
        }
        return new Scored(loss / batch.size(), predictions, sumError, out.path("tensorflow").asText());
    }

    /** The data-service's val batch, as the eval-service fetches it (docs/data-service.md). */
    private static Batch valBatch(DataConfig d, int size, long sampleSeed) throws Exception {
        String url = stack.url(Service.DATA) + "/api/datasets/" + spec.dataset() + "/val-batch?splitSeed=" + d.seed()
                + "&valFraction=" + d.valFraction() + "&size=" + size + "&sampleSeed=" + sampleSeed;
        HttpResponse<byte[]> r = DashboardQueriesE2ETest.HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), url + ": " + new String(r.body(), StandardCharsets.UTF_8));
        return BatchCodec.decode(r.body());
    }

    /** Runs read_back.py; its stdout (JSON), or a failure with its stderr. */
    private static String python(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("python3", SCRIPT.toString()));
        command.addAll(List.of(args));
        Path err = work.resolve("python-" + args[0] + ".err");
        Path out = work.resolve("python-" + args[0] + ".out");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within 3 minutes");
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            fail(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + stderr.substring(Math.max(0, stderr.length() - 2000)));
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static int lastStep(JsonNode events) {
        return events.isArray() && !events.isEmpty() ? events.get(events.size() - 1).get(0).asInt() : -1;
    }

    private static <T> T last(List<T> list) {
        return list.get(list.size() - 1);
    }
}
