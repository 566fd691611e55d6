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
import java.util.zip.ZipFile;

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

    @ParameterizedTest
    @ValueSource(strings = {"cnn", "resblock", "separable", "unet", "mobilenet_small", "resnet50_small"})
    void preflightReproducesKerasPredictionsAndLoss(String name) throws Exception {
        JsonNode expected = new ObjectMapper().readTree(dir.resolve(name + ".json").toFile());
        Path weights = dir.resolve(name + ".weights.h5");
        JsonNode config = kerasConfig(name);
        try (ZipFile zip = new ZipFile(dir.resolve(name + ".keras").toFile());
             InputStream in = zip.getInputStream(zip.getEntry("model.weights.h5"))) {
            Files.copy(in, weights);
        }
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
        Batch batch = new Batch(0, 0, DType.FLOAT32, shape, 4, seg ? new int[n] : labels, bytes.array(), masks, null, 0, null, null);
        ModelConfig mc = ModelConfig.builder(ModelConfig.Type.KERAS).seed(1L).learningRate(1e-3).keras(config).build();
        try (Model m = Models.create(mc, shape, 4, seg ? Task.SEGMENTATION : Task.CLASSIFICATION, 1)) {
            m.loadKerasWeights(weights);
            float[] ours = ((GraphModel) m).probabilities(batch);
            JsonNode theirs = expected.path("output");
            assertEquals(theirs.size(), ours.length);
            double max = 0;
            for (int i = 0; i < ours.length; i++) {
                max = Math.max(max, Math.abs(ours[i] - theirs.get(i).asDouble()));
            }
            double loss = m.evaluate(batch).loss();
            System.out.printf("keras parity %s: max |prediction difference| %.3g, loss %.6f vs Keras %.6f%n", name, max, loss,
                    expected.path("loss").asDouble());
            assertTrue(max <= TOLERANCE, name + ": max abs difference " + max);
            double kerasLoss = expected.path("loss").asDouble();
            assertEquals(kerasLoss, loss, TOLERANCE * Math.max(1, Math.abs(kerasLoss)), name + ": loss at these weights");

            // The way back: weights Preflight trained, written in Keras' layout, loaded by Keras, same predictions.
            for (int i = 0; i < 5; i++) {
                m.trainStep(batch, 1e-2f);
            }
            float[] trained = ((GraphModel) m).probabilities(batch);
            Path back = dir.resolve(name + "-trained.weights.h5");
            m.saveKerasWeights(back);
            Path answer = dir.resolve(name + "-keras-on-trained.json");
            Process p = new ProcessBuilder("python3", Path.of("src/test/resources/keras/parity/predict_with_weights.py").toAbsolutePath().toString(),
                    dir.resolve(name + ".keras").toString(), back.toString(), dir.resolve(name + ".json").toString(), answer.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), log);
            JsonNode keras = new ObjectMapper().readTree(answer.toFile()).path("output");
            double back2 = 0;
            double moved = 0;
            for (int i = 0; i < trained.length; i++) {
                back2 = Math.max(back2, Math.abs(trained[i] - keras.get(i).asDouble()));
                moved = Math.max(moved, Math.abs(trained[i] - ours[i]));
            }
            System.out.printf("keras parity %s, weights round trip after 5 steps: max |difference| %.3g (predictions moved %.3g)%n",
                    name, back2, moved);
            assertTrue(moved > 1e-3, name + ": training moved the predictions");
            assertTrue(back2 <= TOLERANCE, name + ": Keras on Preflight's trained weights differs by " + back2);
        }
    }

    /** The config.json of a {@code .keras} archive make_models.py wrote. */
    static JsonNode kerasConfig(String name) throws Exception {
        try (ZipFile zip = new ZipFile(dir.resolve(name + ".keras").toFile());
             InputStream in = zip.getInputStream(zip.getEntry("config.json"))) {
            return new ObjectMapper().readTree(in);
        }
    }

    /**
     * The weights round trip out of Preflight (issue 15): three zoo models (a CNN with batch norm, a ResNet with batch
     * norm and dropout, a segmenter with upsampling and skips) and an imported model (the parity CNN), each trained five steps in Java
     * and exported as {@code model.json} + {@code model.weights.h5}; Keras rebuilds each from those two files alone
     * ({@code model_from_json}, {@code load_weights}; one Python start for all four) and must predict what Preflight
     * predicts on a fixed batch, to 1e-5.
     */
    @org.junit.jupiter.api.Test
    void kerasRebuildsExportedZooAndImportedModelsAndPredictsTheSame() throws Exception {
        java.util.Map<String, ModelConfig> cases = new java.util.LinkedHashMap<>();
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
        java.util.Map<String, float[]> ours = new java.util.LinkedHashMap<>();
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("python3",
                Path.of("src/test/resources/keras/parity/predict_with_weights.py").toAbsolutePath().toString()));
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
            args.addAll(java.util.List.of(out.resolve(Model.KERAS_DEFINITION_FILE).toString(), out.resolve(Model.KERAS_WEIGHTS_FILE).toString(),
                    batchFile.toString(), out.resolve("keras.json").toString()));
        }
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
        for (var e : ours.entrySet()) {
            JsonNode keras = new ObjectMapper().readTree(dir.resolve("export-" + e.getKey()).resolve("keras.json").toFile()).path("output");
            assertEquals(e.getValue().length, keras.size(), e.getKey());
            double max = 0;
            for (int i = 0; i < e.getValue().length; i++) {
                max = Math.max(max, Math.abs(e.getValue()[i] - keras.get(i).asDouble()));
            }
            System.out.printf("keras export %s: Keras rebuilt it from model.json + model.weights.h5, max |prediction difference| %.3g%n",
                    e.getKey(), max);
            assertTrue(max <= 1e-5, e.getKey() + ": Keras on the exported model differs by " + max);
        }
    }
}
