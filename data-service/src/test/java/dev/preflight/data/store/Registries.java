package dev.preflight.data.store;

import dev.preflight.data.config.DataServiceConfig;
import dev.preflight.data.service.DatasetRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** A dataset registry as the service builds one, outside Quarkus: the real config mapping with its defaults. */
public final class Registries {

    private Registries() {
    }

    /** A fresh service's registry (nothing registered) on {@code root}, with the store in {@code store}. */
    public static DatasetRegistry registry(Path root, Path store) {
        Map<String, String> props = Map.of(
                "preflight.data.root", root.toString(),
                "preflight.data.store.dir", store.toString());
        return new DatasetRegistry(new SmallRyeConfigBuilder().withMapping(DataServiceConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 400)).build()
                .getConfigMapping(DataServiceConfig.class));
    }
}
