package dev.preflight.data.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * Everything the data-service can be tuned with, under {@code preflight.data}. Kafka's address is not here: it is the
 * standard {@code kafka.bootstrap.servers}, shared with the messaging connector.
 */
@ConfigMapping(prefix = "preflight.data")
public interface DataServiceConfig {

    /** The built-in synthetic image datasets "shapes", "shapes-seg" (the same images, with masks) and "shapes-paired" (noisy to clean). */
    Shapes shapes();

    /** The built-in tabular dataset "spirals". */
    Spirals spirals();

    /**
     * The directory registered datasets must live in ({@code POST /api/datasets} paths are relative to it; nothing
     * outside it is ever read). Registrations are kept on Kafka ({@code preflight.datasets}), shared by every replica.
     */
    @WithDefault("./data")
    java.nio.file.Path root();

    /** The sample store: registered datasets decoded once into memory-mapped files. */
    Store store();

    /**
     * How many batches the stream may run ahead of the trainer's committed offset. Bounded so that a slow or dead
     * trainer never makes the service fill the broker's disk with batches nobody reads; 16 hides produce latency
     * without holding much (16 batches of 32 images are ~400 KB).
     */
    @WithDefault("16")
    int maxBatchesAhead();

    /**
     * A stream blocked this long without the trainer committing a new offset is abandoned (and logged), so a trainer
     * that died without a FAILED event does not pin a worker thread forever.
     */
    @WithDefault("10m")
    Duration stallTimeout();

    /**
     * How often the trainer's committed offset is re-read while a stream is blocked on prefetch. Only polled while
     * blocked; short, because the trainer waits on us whenever we are behind.
     */
    @WithDefault("20ms")
    Duration progressPollInterval();

    /**
     * The API key required on every endpoint that changes something (dataset registration), in the {@code X-API-Key}
     * header or as the HTTP Basic password, as on the gateway. Unset: a random key is generated at startup and logged
     * once, so a deployment that forgot to set one is locked rather than open. The CLI's local stack gives the
     * data-service and the gateway the same key.
     */
    java.util.Optional<String> apiKey();

    interface Store {
        /**
         * Decode registered datasets into store files and memory-map them (default), so the heap holds labels and
         * sources but no sample bytes, a dataset larger than the heap streams, and a restart (or a second run on the
         * same files) maps the file instead of decoding every image again. {@code false}: every registered dataset is
         * decoded into the heap on each start, as before the store existed.
         */
        @WithDefault("true")
        boolean enabled();

        /**
         * Where store files ({@code <dataset>-<h>x<w>x<c>.pfs}) are kept; default {@code <root>/.preflight-store}.
         * Set it elsewhere when the data root is read-only or someone else's (the CLI uses a per-user cache
         * directory, so every run on the same data reuses the store). A directory that cannot be written makes the
         * service decode into the heap instead, with a warning.
         */
        java.util.Optional<java.nio.file.Path> dir();
    }

    interface Spirals {
        @WithDefault("7")
        long seed();

        /** Points; class i % classes, so balanced for a multiple of classes. */
        @WithDefault("600")
        int samples();

        @WithDefault("3")
        int classes();
    }

    interface Shapes {
        /** Generator seed: the same seed always yields the same images, bit for bit. */
        @WithDefault("7")
        long seed();

        /** Number of images; classes are balanced (image i has class i % 4). */
        @WithDefault("2000")
        int samples();
    }
}
