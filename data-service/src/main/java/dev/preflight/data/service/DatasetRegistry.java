package dev.preflight.data.service;

import dev.preflight.data.config.DataServiceConfig;
import dev.preflight.data.model.Dataset;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Dataset name -> in-memory dataset. Each dataset is built on first use and then kept: startup stays fast, and a
 * dataset nobody asks for costs nothing.
 */
@ApplicationScoped
public class DatasetRegistry {

    private final Map<String, Supplier<Dataset>> builders;
    private final Map<String, Dataset> cache = new ConcurrentHashMap<>();

    @Inject
    public DatasetRegistry(DataServiceConfig config) {
        DataServiceConfig.Shapes shapes = config.shapes();
        this.builders = Map.of(ShapesGenerator.NAME, () -> ShapesGenerator.generate(shapes.seed(), shapes.samples()));
    }

    /** Registered names, sorted. */
    public List<String> names() {
        return builders.keySet().stream().sorted().toList();
    }

    /** @throws UnknownDatasetException when {@code name} is not registered */
    public Dataset get(String name) {
        Supplier<Dataset> builder = name == null ? null : builders.get(name);
        if (builder == null) {
            throw new UnknownDatasetException(name, names());
        }
        return cache.computeIfAbsent(name, n -> builder.get());
    }
}
