package dev.preflight.gateway.tensorboard;

import dev.preflight.gateway.config.GatewayConfig;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Writes every run's metrics as TensorBoard event files: {@code <dir>/<runId>/train/events.out.tfevents.<t>.<host>}
 * (tags {@code loss}, {@code step_seconds}, {@code data_wait_seconds}, {@code compute_seconds},
 * {@code samples_per_second}) and {@code <dir>/<runId>/val/...} ({@code loss}, {@code accuracy}, {@code f1} for classification); the shared tag
 * {@code loss} puts train and val on one chart, TensorBoard's usual layout. When a run starts, the data-service's
 * preview images of its train and val batches are added as image summaries ({@code preview}, step 0).
 *
 * <p>The files are a view of Kafka, like the rest of the gateway's state: the first time this process sees a run it
 * deletes that run's old event files and writes them afresh as the topics are replayed from the start. One gateway
 * per log directory, therefore. Failures here (disk full, data-service down) are logged and never reach the
 * consumers: a metric that cannot be exported is still a metric.
 */
@ApplicationScoped
public class TensorBoardExporter {

    private static final Logger LOG = Logger.getLogger(TensorBoardExporter.class);
    /** A split's file is closed after this long without a write and reopened (appending) if more arrive. */
    private static final long IDLE_CLOSE_MS = 60_000;
    /** TensorBoard reloads every few seconds; buffered events reach the file at least this often. */
    private static final long FLUSH_MS = 1_000;

    private final Optional<Path> root;
    private final Optional<String> dataServiceUrl;
    /** How long a 404 for a run's preview is retried: the data-service reads submissions within seconds. */
    static final Duration PREVIEW_RETRY_FOR = Duration.ofSeconds(15);

    private final Duration previewTimeout;
    private final String fileSuffix;
    private final Map<String, SplitFile> files = new ConcurrentHashMap<>();
    private final Map<String, Boolean> previewsRequested = new ConcurrentHashMap<>();
    private final HttpClient http;
    private ScheduledExecutorService flusher;

    public TensorBoardExporter(GatewayConfig config) {
        this.root = config.tensorboardDir().map(p -> p.toAbsolutePath().normalize());
        this.dataServiceUrl = config.dataServiceUrl().map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
        this.previewTimeout = config.previewTimeout();
        this.fileSuffix = (System.currentTimeMillis() / 1000) + "." + hostname();
        this.http = HttpClient.newBuilder().connectTimeout(previewTimeout).build();
    }

    public boolean enabled() {
        return root.isPresent();
    }

    /** The directory of one run's files, when the export is on. */
    public Optional<Path> runDir(String runId) {
        return root.map(r -> r.resolve(runId));
    }

    public void trainStep(TrainStep s) {
        if (!enabled()) {
            return;
        }
        List<EventProtos.Scalar> scalars = new java.util.ArrayList<>(List.of(
                new EventProtos.Scalar("loss", (float) s.loss()),
                new EventProtos.Scalar("step_seconds", (float) s.stepSeconds()),
                new EventProtos.Scalar("data_wait_seconds", (float) s.dataWaitSeconds()),
                new EventProtos.Scalar("compute_seconds", (float) s.computeSeconds()),
                new EventProtos.Scalar("samples_per_second", (float) s.samplesPerSecond())));
        if (s.critic() != null) {
            // Both players of an adversarial run side by side in TensorBoard: loss is the generator's L1.
            scalars.add(new EventProtos.Scalar("critic_wasserstein_estimate", (float) s.critic().wassersteinEstimate()));
            scalars.add(new EventProtos.Scalar("critic_loss", (float) s.critic().criticLoss()));
            scalars.add(new EventProtos.Scalar("generator_adversarial_loss", (float) s.critic().generatorAdversarialLoss()));
        }
        write(s.runId(), "train", EventProtos.scalarsEvent(wallTime(), s.step(), scalars));
    }

    public void valStep(ValStep s) {
        if (!enabled()) {
            return;
        }
        List<EventProtos.Scalar> scalars = new java.util.ArrayList<>(List.of(
                new EventProtos.Scalar("loss", (float) s.valLoss()),
                new EventProtos.Scalar("accuracy", (float) s.valAccuracy())));
        if (s.macroF1() != null) {
            scalars.add(new EventProtos.Scalar("f1", s.macroF1().floatValue()));
        }
        write(s.runId(), "val", EventProtos.scalarsEvent(wallTime(), s.step(), scalars));
    }

    /** On a run's first STARTED event in this process: fetch its preview images, in the background. */
    public void event(RunEvent e) {
        if (!enabled() || dataServiceUrl.isEmpty() || e.type() != RunEvent.Type.STARTED
                || previewsRequested.putIfAbsent(e.runId(), Boolean.TRUE) != null) {
            return;
        }
        for (String split : List.of("train", "val")) {
            fetchPreview(e.runId(), split);
        }
    }

    /** The data-service reads a submission on its own consumer; a trainer can start the run before it has. */
    static final class NotYetKnown extends RuntimeException {
        NotYetKnown(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Fetches one preview, retrying a 404 (the data-service has not read the run's submission yet) with Mutiny's
     * exponential back-off for up to {@link #PREVIEW_RETRY_FOR}; any other answer is final.
     */
    private void fetchPreview(String runId, String split) {
        URI uri = URI.create(dataServiceUrl.get() + "/api/runs/" + URLEncoder.encode(runId, StandardCharsets.UTF_8)
                + "/preview.png?split=" + split);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(previewTimeout).GET().build();
        Uni.createFrom().completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()))
                .map(response -> {
                    if (response.statusCode() == 404) {
                        throw new NotYetKnown(uri + " answered 404");
                    }
                    return response;
                })
                .onFailure(NotYetKnown.class).retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2))
                .expireIn(PREVIEW_RETRY_FOR.toMillis())
                .subscribe().with(response -> {
                    if (response.statusCode() != 200) {
                        LOG.infof("no %s preview for %s in TensorBoard: %s answered %d", split, runId, uri, response.statusCode());
                        return;
                    }
                    Optional<EventProtos.Image> image = Png.image("preview", response.body());
                    if (image.isEmpty()) {
                        LOG.infof("no %s preview for %s in TensorBoard: %s did not return a PNG", split, runId, uri);
                        return;
                    }
                    write(runId, split, EventProtos.imageEvent(wallTime(), 0, image.get()));
                }, error -> LOG.infof("no %s preview for %s in TensorBoard: %s", split, runId, error.getMessage()));
    }

    private void write(String runId, String split, byte[] event) {
        SplitFile file = files.computeIfAbsent(runId + "/" + split, k -> new SplitFile(root.get().resolve(runId).resolve(split)));
        try {
            file.append(event);
        } catch (IOException | UncheckedIOException e) {
            LOG.warnf("cannot write TensorBoard events of %s/%s: %s", runId, split, e.toString());
        }
    }

    /** Forces buffered events to disk; returns once every open file is flushed. */
    public void flush() {
        long now = System.currentTimeMillis();
        for (SplitFile f : files.values()) {
            try {
                f.flushOrClose(now);
            } catch (IOException e) {
                LOG.warnf("cannot flush TensorBoard events in %s: %s", f.dir, e.toString());
            }
        }
    }

    void start(@Observes StartupEvent event) {
        if (!enabled()) {
            return;
        }
        LOG.infof("TensorBoard event files under %s", root.get());
        flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "preflight-tensorboard-flush");
            t.setDaemon(true);
            return t;
        });
        flusher.scheduleWithFixedDelay(this::flush, FLUSH_MS, FLUSH_MS, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (flusher != null) {
            flusher.shutdownNow();
        }
        for (SplitFile f : files.values()) {
            try {
                f.close();
            } catch (IOException e) {
                LOG.warnf("cannot close TensorBoard events in %s: %s", f.dir, e.toString());
            }
        }
    }

    private static double wallTime() {
        return System.currentTimeMillis() / 1000.0;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** One split of one run: a single file, opened lazily; synchronized because val and train threads differ. */
    private final class SplitFile {
        final Path dir;
        final Path path;
        private OutputStream out;
        private boolean created;
        private boolean dirty;
        private long lastWriteMs;

        SplitFile(Path dir) {
            this.dir = dir;
            this.path = dir.resolve("events.out.tfevents." + fileSuffix);
        }

        synchronized void append(byte[] event) throws IOException {
            if (out == null) {
                open();
            }
            TfRecords.write(out, event);
            dirty = true;
            lastWriteMs = System.currentTimeMillis();
        }

        private void open() throws IOException {
            Files.createDirectories(dir);
            if (!created) {
                // First sight of this run in this process: the replay from Kafka rewrites it completely.
                try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "events.out.tfevents.*")) {
                    for (Path p : old) {
                        Files.deleteIfExists(p);
                    }
                }
                out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), 64 * 1024);
                TfRecords.write(out, EventProtos.fileVersionEvent(wallTime()));
                created = true;
            } else {
                out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.APPEND), 64 * 1024);
            }
        }

        synchronized void flushOrClose(long now) throws IOException {
            if (out == null) {
                return;
            }
            if (dirty) {
                out.flush();
                dirty = false;
            } else if (now - lastWriteMs > IDLE_CLOSE_MS) {
                // Bounded open files however many runs the gateway has seen; a late event reopens in append mode.
                close();
            }
        }

        synchronized void close() throws IOException {
            if (out != null) {
                out.close();
                out = null;
                dirty = false;
            }
        }
    }
}
