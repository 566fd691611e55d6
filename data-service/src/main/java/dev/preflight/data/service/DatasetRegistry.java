package dev.preflight.data.service;

import dev.preflight.data.config.DataServiceConfig;
import dev.preflight.data.load.CsvLoader;
import dev.preflight.data.load.DataRoot;
import dev.preflight.data.load.IdxLoader;
import dev.preflight.data.load.ImageFolderLoader;
import dev.preflight.data.load.LoadException;
import dev.preflight.data.load.PairedLoader;
import dev.preflight.data.load.Registration;
import dev.preflight.data.load.SampleSink;
import dev.preflight.data.load.SourceFingerprint;
import dev.preflight.data.load.SegmentationLoader;
import dev.preflight.data.model.Dataset;
import dev.preflight.data.store.SampleStore;
import dev.preflight.data.store.StoreException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Dataset name -> dataset. Built-in datasets are generated on first use and then kept in the heap; registered ones are
 * loaded when registered (so a bad one is refused with the reason) and kept, their sample bytes in a memory-mapped
 * {@link SampleStore} file (the heap holds labels and sources). Registrations are shared between replicas through
 * {@code preflight.datasets} ({@code DatasetLog}): a replica registers, publishes, and every replica {@link #adopt}s
 * what the topic holds, loading it on first use: from the store file when the source's fingerprint still matches,
 * else decoded again.
 */
@ApplicationScoped
public class DatasetRegistry {

    private static final Logger LOG = Logger.getLogger(DatasetRegistry.class);

    /** The default sample store directory under the data root (a dotfolder: loaders never read it as data). */
    static final String STORE_DIR = ".preflight-store";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private final Map<String, Supplier<Dataset>> builtIns;
    private final Map<String, Registration> registered = new ConcurrentHashMap<>();
    private final Map<String, Dataset> cache = new ConcurrentHashMap<>();
    private final DataRoot root;
    /** Set by DatasetLog: lookups of unknown names wait for the replay of the registrations topic. */
    private volatile CountDownLatch replayed;
    private volatile Duration replayWait = Duration.ZERO;
    /** Null when the store is disabled: datasets are then decoded into the heap. */
    private final SampleStore samples;

    @Inject
    public DatasetRegistry(DataServiceConfig config) {
        DataServiceConfig.Shapes shapes = config.shapes();
        DataServiceConfig.Spirals spirals = config.spirals();
        this.builtIns = Map.of(
                ShapesGenerator.NAME, () -> ShapesGenerator.generate(shapes.seed(), shapes.samples()),
                ShapesGenerator.SEG_NAME, () -> ShapesGenerator.generateSegmentation(shapes.seed(), shapes.samples()),
                ShapesGenerator.PAIRED_NAME, () -> ShapesGenerator.generatePaired(shapes.seed(), shapes.samples()),
                SpiralsGenerator.NAME, () -> SpiralsGenerator.generate(spirals.seed(), spirals.samples(), spirals.classes()));
        this.root = new DataRoot(config.root());
        this.samples = config.store().enabled()
                ? new SampleStore(config.store().dir().orElse(root.path().resolve(STORE_DIR))) : null;
    }

    public DataRoot root() {
        return root;
    }

    /**
     * Makes lookups of names this replica does not know yet, and registrations, wait (at most {@code wait}) until
     * {@code gate} opens: the registrations published before this replica started have been adopted.
     */
    public void replayGate(CountDownLatch gate, Duration wait) {
        this.replayWait = wait;
        this.replayed = gate;
    }

    private void awaitReplay() {
        CountDownLatch gate = replayed;
        if (gate == null || gate.getCount() == 0) {
            return;
        }
        try {
            gate.await(replayWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Registered names, sorted. */
    public List<String> names() {
        TreeSet<String> all = new TreeSet<>(builtIns.keySet());
        all.addAll(registered.keySet());
        return List.copyOf(all);
    }

    /** @throws UnknownDatasetException when {@code name} is not registered */
    public Dataset get(String name) {
        if (name == null) {
            throw new UnknownDatasetException(null, names());
        }
        Supplier<Dataset> builtIn = builtIns.get(name);
        Registration r = registered.get(name);
        if (builtIn == null && r == null) {
            awaitReplay();
            r = registered.get(name);
        }
        if (builtIn == null && r == null) {
            throw new UnknownDatasetException(name, names());
        }
        Registration reg = r;
        return cache.computeIfAbsent(name, n -> builtIn != null ? builtIn.get() : load(reg));
    }

    /**
     * Loads and registers a dataset.
     *
     * @throws IllegalArgumentException                       for a bad name or format
     * @throws dev.preflight.data.load.PathRejectedException  for a path outside the root, '..', or a symlink escape
     * @throws DatasetExistsException                         when the name is taken
     * @throws LoadException                                  when the files cannot be read as a dataset
     */
    public synchronized Dataset register(Registration r) {
        validate(r);
        awaitReplay();
        if (builtIns.containsKey(r.name()) || registered.containsKey(r.name())) {
            throw new DatasetExistsException(r.name());
        }
        Dataset d = load(r);
        registered.put(r.name(), r);
        cache.put(r.name(), d);
        LOG.infof("registered dataset %s (%s at %s): %d samples, %d skipped", r.name(), r.format(), r.path(), d.size(), d.skipped().size());
        return d;
    }

    private static void validate(Registration r) {
        if (r.name() == null || !NAME.matcher(r.name()).matches()) {
            throw new IllegalArgumentException("name must match " + NAME.pattern() + ", was " + (r.name() == null ? "missing" : "'" + r.name() + "'"));
        }
        if (r.format() == null || !Registration.FORMATS.contains(r.format())) {
            throw new IllegalArgumentException("format " + (r.format() == null ? "is required" : "'" + r.format() + "' is unknown")
                    + ", expected one of " + Registration.FORMATS);
        }
    }

    /**
     * Takes a registration another replica (or this one) published: the latest registration of a name wins, and a
     * changed one is loaded again on next use.
     *
     * @return whether it is new or changed here (false: this replica already had exactly it)
     * @throws IllegalArgumentException for a bad name or format, or a built-in dataset's name
     */
    public synchronized boolean adopt(Registration r) {
        validate(r);
        if (builtIns.containsKey(r.name())) {
            throw new IllegalArgumentException("'" + r.name() + "' is a built-in dataset; a registration cannot replace it");
        }
        if (r.equals(registered.get(r.name()))) {
            return false;
        }
        registered.put(r.name(), r);
        cache.remove(r.name());
        return true;
    }

    /** Drops a registration this replica accepted but could not publish (so it does not serve what others lack). */
    public synchronized void forget(String name) {
        registered.remove(name);
        cache.remove(name);
    }

    private Dataset load(Registration r) {
        Path path = root.resolve(r.path());
        if (samples == null) {
            return decode(r, path, SampleSink.inHeap());
        }
        String file = SampleStore.fileName(r.name(), r.imageShape());
        String fingerprint;
        try {
            fingerprint = SourceFingerprint.of(r, path, SampleStore.DECODER_VERSION);
        } catch (IOException e) {
            throw new LoadException(r.format() + ": cannot list '" + r.path() + "': " + e.getMessage(), e);
        }
        Optional<Dataset> stored = samples.open(file, fingerprint);
        if (stored.isPresent()) {
            LOG.infof("dataset %s: %d samples mapped from %s", r.name(), stored.get().size(), samples.dir().resolve(file));
            return stored.get();
        }
        SampleStore.Writer writer;
        try {
            writer = samples.create(file);
        } catch (StoreException e) {
            LOG.warnf("dataset %s is decoded into the heap: %s", r.name(), e.getMessage());
            return decode(r, path, SampleSink.inHeap());
        }
        try (writer) {
            Dataset d = decode(r, path, writer);
            return writer.commit(d, fingerprint);
        } catch (StoreException e) {
            // A full disk mid-write: the dataset is fine, only the store is not; decode it again into the heap.
            LOG.warnf("dataset %s is decoded into the heap: %s", r.name(), e.getMessage());
            return decode(r, path, SampleSink.inHeap());
        }
    }

    /** Runs the format's loader, decoding samples into {@code sink} (which the caller closes). */
    private Dataset decode(Registration r, Path path, SampleSink sink) {
        Dataset d = switch (r.format()) {
            case "idx" -> IdxLoader.load(r.name(), path, r, root, sink);
            // Tables are small (a float per cell): parsed in the heap, then copied into the store by the writer.
            case "csv" -> CsvLoader.load(r.name(), path, r, root);
            case "image-folder" -> ImageFolderLoader.load(r.name(), path, r, root, sink);
            case "segmentation" -> SegmentationLoader.load(r.name(), path, r, root, sink);
            case "paired" -> PairedLoader.load(r.name(), path, r, root, sink);
            default -> throw new IllegalArgumentException("format '" + r.format() + "' is unknown");
        };
        if (d.size() < 2) {
            throw new LoadException(r.format() + ": '" + r.path() + "' has " + d.size() + " valid sample; a train/val split needs at least 2");
        }
        return d;
    }
}
