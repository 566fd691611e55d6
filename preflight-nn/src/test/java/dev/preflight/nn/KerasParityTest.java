package dev.preflight.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.wire.Batch;
import dev.preflight.wire.DType;
import dev.preflight.wire.ModelConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proof that the import means what Keras means (CI only, tag {@code keras-parity}; needs python3 with keras and a
 * backend, which .ci/run installs): {@code src/test/resources/keras/parity/make_models.py} builds models with real
 * Keras and saves each as a {@code .keras} archive with its predictions on a fixed batch; Preflight builds each from the
 * archive alone (config.json + model.weights.h5) and must reproduce the predictions and the loss to 1e-4. Then the
 * way back: Preflight trains five steps, writes the weights in Keras' layout ({@link Model#saveKerasWeights}), Keras
 * loads them ({@code predict_with_weights.py}) and must predict what Preflight predicts, to 1e-4. And zoo models:
 * exported as a Keras definition and weights ({@link Model#exportKeras}), Keras rebuilds them from those two files.
 *
 * <p>Why two Python starts in all (make_models.py once, predict_with_weights.py once for every way back) and small
 * models only: each start imports TensorFlow (seconds), and a Keras Applications network imported at full depth costs
 * minutes of graph building (ResNet50 at 32x32: ~60 s to build, ~75 s to its first training step on 2 cores). Their
 * definitions are still parsed and counted at full size; their layer configurations run numerically in
 * {@code applications_blocks}.
 */
@Tag("keras-parity")
class KerasParityTest {

    static final double TOLERANCE = 1e-4;
    static Path dir;

    @BeforeAll
    static void buildWithKeras() throws Exception {
        dir = Files.createTempDirectory("keras-parity");
        Path script = Path.of("src/test/resources/keras/parity/make_models.py").toAbsolutePath();
        Process p = new ProcessBuilder("python3", script.toString(), dir.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
        System.out.println(log.lines().filter(l -> l.contains("params")).reduce("", (a, b) -> a + b + "\n"));
    }

    /** ResNet50, Xception and MobileNet as Keras Applications defines them: they parse and count what Keras counts. */
    @ParameterizedTest
    @ValueSource(strings = {"resnet50", "xception", "mobilenet"})
    void kerasApplicationsDefinitionsParseWithKerasParameterCounts(String name) throws Exception {
        JsonNode app = new ObjectMapper().readTree(dir.resolve(name + ".app.json").toFile());
        dev.preflight.keras.KerasModel m = dev.preflight.keras.KerasModel.parse(app.path("definition"));
        dev.preflight.keras.KerasModel.Inferred shapes = m.infer(null);
        System.out.printf("keras application %s: %d layers, %,d parameters (Keras: %,d)%n", name, m.layers().size(),
                shapes.totalParameters(), app.path("params").asLong());
        assertEquals(app.path("params").asLong(), shapes.totalParameters(), name);
        assertEquals(app.path("output").get(0).asLong(), shapes.output()[shapes.output().length - 1]);
    }

    /** The models make_models.py builds and saves with their predictions. */
    static final List<String> IMPORTED = List.of("cnn", "resblock", "separable", "unet", "applications_blocks");

    /**
     * One imported model's part of the suite: Preflight's predictions and loss at Keras' weights, then its predictions
     * after five training steps and those weights written in Keras' layout (checked by Keras in
     * {@link #kerasReadsWhatPreflightWrites}).
     */
    record Imported(JsonNode expected, float[] predictions, double loss, float[] trained, Path trainedWeights) {
    }

    /** Built once per model and class run, whichever test asks first: a graph build with gradients per model is the cost. */
    static final Map<String, Imported> imported = new ConcurrentHashMap<>();

    static Imported imported(String name) throws Exception {
        Imported done = imported.get(name);
        if (done != null) {
            return done;
        }
        JsonNode expected = new ObjectMapper().readTree(dir.resolve(name + ".json").toFile());
        Path weights = dir.resolve(name + ".weights.h5");
        JsonNode config = kerasConfig(name);
        try (ZipFile zip = new ZipFile(dir.resolve(name + ".keras").toFile());
             InputStream in = zip.getInputStream(zip.getEntry("model.weights.h5"))) {
            Files.copy(in, weights, StandardCopyOption.REPLACE_EXISTING);
        }
        Batch batch = batch(expected);
        boolean seg = batch.masks() != null;
        ModelConfig mc = ModelConfig.builder(ModelConfig.Type.KERAS).seed(1L).learningRate(1e-3).keras(config).build();
        try (Model m = Models.create(mc, batch.sampleShape(), 4, seg ? Task.SEGMENTATION : Task.CLASSIFICATION, 1)) {
            m.loadKerasWeights(weights);
            float[] ours = ((GraphModel) m).probabilities(batch);
            double loss = m.evaluate(batch).loss();
            for (int i = 0; i < 5; i++) {
                m.trainStep(batch, 1e-2f);
            }
            float[] trained = ((GraphModel) m).probabilities(batch);
            Path back = dir.resolve(name + "-trained.weights.h5");
            m.saveKerasWeights(back);
            done = new Imported(expected, ours, loss, trained, back);
        }
        imported.put(name, done);
        return done;
    }

    /** The fixed batch make_models.py predicted on: {"shape": [N, ...], "input": [...], "labels": [...]}. */
    static Batch batch(JsonNode expected) {
        int[] shape = new int[expected.path("shape").size() - 1];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = expected.path("shape").get(i + 1).asInt();
        }
        int n = expected.path("shape").get(0).asInt();
        float[] x = new float[expected.path("input").size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) expected.path("input").get(i).asDouble();
        }
        ByteBuffer bytes = ByteBuffer.allocate(4 * x.length);
        bytes.asFloatBuffer().put(x);
        int[] labels = new int[expected.path("labels").size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = expected.path("labels").get(i).asInt();
        }
        boolean seg = labels.length > n;
        byte[] masks = null;
        if (seg) {
            masks = new byte[labels.length];
            for (int i = 0; i < labels.length; i++) {
                masks[i] = (byte) labels[i];
            }
        }
        return new Batch(0, 0, DType.FLOAT32, shape, 4, seg ? new int[n] : labels, bytes.array(), masks, null, 0, null, null);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.FieldSource("IMPORTED")
    void preflightReproducesKerasPredictionsAndLoss(String name) throws Exception {
        Imported r = imported(name);
        JsonNode theirs = r.expected().path("output");
        assertEquals(theirs.size(), r.predictions().length);
        double max = 0;
        double moved = 0;
        for (int i = 0; i < r.predictions().length; i++) {
            max = Math.max(max, Math.abs(r.predictions()[i] - theirs.get(i).asDouble()));
            moved = Math.max(moved, Math.abs(r.trained()[i] - r.predictions()[i]));
        }
        double kerasLoss = r.expected().path("loss").asDouble();
        System.out.printf("keras parity %s: max |prediction difference| %.3g, loss %.6f vs Keras %.6f%n", name, max, r.loss(), kerasLoss);
        assertTrue(max <= TOLERANCE, name + ": max abs difference " + max);
        assertEquals(kerasLoss, r.loss(), TOLERANCE * Math.max(1, Math.abs(kerasLoss)), name + ": loss at these weights");
        // What kerasReadsWhatPreflightWrites sends back to Keras must differ from what Keras started with.
        assertTrue(moved > 1e-3, name + ": training moved the predictions");
    }

    /** The config.json of a {@code .keras} archive make_models.py wrote. */
    static JsonNode kerasConfig(String name) throws Exception {
        try (ZipFile zip = new ZipFile(dir.resolve(name + ".keras").toFile());
             InputStream in = zip.getInputStream(zip.getEntry("config.json"))) {
            return new ObjectMapper().readTree(in);
        }
    }

    /**
     * The ways back, checked by one Python start (TensorFlow's import and each model's build cost seconds per start):
     * <ul>
     * <li>each imported model, trained five steps by Preflight ({@link #imported}) and written in Keras' layout
     * ({@link Model#saveKerasWeights}), loaded into its {@code .keras} archive by Keras, which must predict what
     * Preflight predicts, to 1e-4;</li>
     * <li>the weights round trip out of Preflight (issue 15): three zoo models (a CNN with batch norm, a ResNet with batch
     * norm and dropout, a segmenter with upsampling and skips) and an imported model (the parity CNN), each trained five steps in Java
     * and exported as {@code model.json} + {@code model.weights.h5}; Keras rebuilds each from those two files alone
     * ({@code model_from_json}, {@code load_weights}) and must predict what Preflight predicts on a fixed batch, to
     * 1e-5.</li>
     * </ul>
     */
    @org.junit.jupiter.api.Test
    void kerasReadsWhatPreflightWrites() throws Exception {
        Map<String, ModelConfig> cases = new java.util.LinkedHashMap<>();
        cases.put("zoo-cnn", ZooKerasTest.zoo("cnn"));
        cases.put("zoo-resnet", ZooKerasTest.zoo("resnet"));
        cases.put("zoo-segnet", ZooKerasTest.zoo("segnet"));
        cases.put("imported-cnn", ModelConfig.builder(ModelConfig.Type.KERAS).seed(3L).learningRate(1e-2).keras(kerasConfig("cnn")).build());
        int n = 8;
        int[] shape = {16, 16, 1};
        java.util.SplittableRandom rng = new java.util.SplittableRandom(11);
        float[] x = new float[n * 16 * 16];
        byte[] masks = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble();
            masks[i] = (byte) (x[i] * 4);
        }
        ByteBuffer bytes = ByteBuffer.allocate(4 * x.length);
        bytes.asFloatBuffer().put(x);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 4;
        }
        Path batchFile = dir.resolve("export-batch.json");
        com.fasterxml.jackson.databind.node.ObjectNode batchJson = new ObjectMapper().createObjectNode();
        batchJson.putArray("shape").add(n).add(16).add(16).add(1);
        com.fasterxml.jackson.databind.node.ArrayNode input = batchJson.putArray("input");
        for (float v : x) {
            input.add(v);
        }
        new ObjectMapper().writeValue(batchFile.toFile(), batchJson);
        Map<String, float[]> ours = new java.util.LinkedHashMap<>();
        List<String> args = new java.util.ArrayList<>(List.of("python3",
                Path.of("src/test/resources/keras/parity/predict_with_weights.py").toAbsolutePath().toString()));
        for (String name : IMPORTED) {
            args.addAll(List.of(dir.resolve(name + ".keras").toString(), imported(name).trainedWeights().toString(),
                    dir.resolve(name + ".json").toString(), dir.resolve(name + "-keras-on-trained.json").toString()));
        }
        for (var c : cases.entrySet()) {
            boolean seg = c.getKey().contains("segnet");
            Batch batch = new Batch(0, 0, DType.FLOAT32, shape, 4, seg ? new int[n] : labels, bytes.array(), seg ? masks : null,
                    null, 0, null, null);
            Path out = dir.resolve("export-" + c.getKey());
            try (Model m = Models.create(c.getValue(), shape, 4, seg ? Task.SEGMENTATION : Task.CLASSIFICATION, 1)) {
                for (int i = 0; i < 5; i++) {
                    m.trainStep(batch, 1e-2f);
                }
                ours.put(c.getKey(), ((GraphModel) m).probabilities(batch));
                m.exportKeras(out);
            }
            args.addAll(List.of(out.resolve(Model.KERAS_DEFINITION_FILE).toString(), out.resolve(Model.KERAS_WEIGHTS_FILE).toString(),
                    batchFile.toString(), out.resolve("keras.json").toString()));
        }
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
        List<org.junit.jupiter.api.function.Executable> checks = new java.util.ArrayList<>();
        for (String name : IMPORTED) {
            checks.add(() -> {
                float[] trained = imported(name).trained();
                JsonNode keras = new ObjectMapper().readTree(dir.resolve(name + "-keras-on-trained.json").toFile()).path("output");
                assertEquals(trained.length, keras.size(), name);
                double max = 0;
                for (int i = 0; i < trained.length; i++) {
                    max = Math.max(max, Math.abs(trained[i] - keras.get(i).asDouble()));
                }
                System.out.printf("keras parity %s, weights round trip after 5 steps: max |difference| %.3g%n", name, max);
                assertTrue(max <= TOLERANCE, name + ": Keras on Preflight's trained weights differs by " + max);
            });
        }
        for (var e : ours.entrySet()) {
            checks.add(() -> {
                JsonNode keras = new ObjectMapper().readTree(dir.resolve("export-" + e.getKey()).resolve("keras.json").toFile()).path("output");
                assertEquals(e.getValue().length, keras.size(), e.getKey());
                double max = 0;
                for (int i = 0; i < e.getValue().length; i++) {
                    max = Math.max(max, Math.abs(e.getValue()[i] - keras.get(i).asDouble()));
                }
                System.out.printf("keras export %s: Keras rebuilt it from model.json + model.weights.h5, max |prediction difference| %.3g%n",
                        e.getKey(), max);
                assertTrue(max <= 1e-5, e.getKey() + ": Keras on the exported model differs by " + max);
            });
        }
        // Every model's verdict, not just the first failure's.
        assertAll(checks);
    }
}
