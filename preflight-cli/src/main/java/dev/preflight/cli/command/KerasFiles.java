package dev.preflight.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.preflight.wire.ModelConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * {@code --keras-model} and {@code --weights} as a run's {@link ModelConfig}: the definition is read here and travels
 * inside the run spec; weights travel as an absolute path (the local stack's trainers read the same disk). A
 * {@code .keras} archive is a zip of {@code config.json} and {@code model.weights.h5}: the first is the definition, the
 * second (unless {@code --weights} names another file) is unpacked under {@code --out} and loaded.
 */
final class KerasFiles {

    private KerasFiles() {
    }

    static ModelConfig config(Path model, Path weights, Boolean fromLogits, Path out, long seed, double learningRate) {
        JsonNode definition;
        Path weightFile = weights;
        try {
            if (model.toString().endsWith(".keras")) {
                try (ZipFile zip = new ZipFile(model.toFile())) {
                    ZipEntry config = zip.getEntry("config.json");
                    if (config == null) {
                        throw new IllegalArgumentException(model + " is not a Keras archive: it has no config.json");
                    }
                    try (InputStream in = zip.getInputStream(config)) {
                        definition = new ObjectMapper().readTree(in);
                    }
                    ZipEntry w = zip.getEntry("model.weights.h5");
                    if (weightFile == null && w != null) {
                        Path target = out.resolve("keras").resolve(model.getFileName() + ".weights.h5");
                        Files.createDirectories(target.getParent());
                        try (InputStream in = zip.getInputStream(w)) {
                            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                        }
                        weightFile = target;
                    }
                }
            } else {
                definition = new ObjectMapper().readTree(model.toFile());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --keras-model " + model + ": " + e.getMessage());
        }
        if (weightFile != null && !Files.isReadable(weightFile)) {
            throw new IllegalArgumentException("cannot read --weights " + weightFile);
        }
        return ModelConfig.builder(ModelConfig.Type.KERAS).seed(seed).learningRate(learningRate).keras(definition)
                .kerasWeights(weightFile == null ? null : weightFile.toAbsolutePath().toString()).fromLogits(fromLogits).build();
    }
}
