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
final class Registries {

    private Registries() {
    }

    /** A registry on {@code root} with its own registrations file (a fresh service) and the store in {@code store}. */
    static DatasetRegistry registry(Path root, Path registrations, Path store) {
        Map<String, String> props = Map.of(
                "preflight.data.root", root.toString(),
                "preflight.data.registry-file", registrations.toString(),
                "preflight.data.store.dir", store.toString());
        return new DatasetRegistry(new SmallRyeConfigBuilder().withMapping(DataServiceConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 400)).build()
                .getConfigMapping(DataServiceConfig.class));
    }
}
