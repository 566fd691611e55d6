package dev.preflight.data.store;

import dev.preflight.data.load.Registration;
import dev.preflight.data.model.Dataset;
import dev.preflight.data.service.DatasetRegistry;
import dev.preflight.data.service.TrainBatches;
import dev.preflight.wire.Batch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dataset whose samples are twice the JVM's heap registers and streams: a child JVM with {@code -Xmx48m} registers
 * 100,000 28x28 IDX images (78 MB of samples), streams one epoch of train batches and checks every sample arrived
 * intact, then a second registry (a restart) maps the store and does it again. With samples in the heap, the child
 * dies of OutOfMemoryError while loading.
 */
class LargerThanHeapTest {

    private static final int N = 100_000;
    private static final int SIDE = 28;
    private static final String HEAP = "-Xmx48m";

    @TempDir
    Path tmp;

    @Test
    void aDatasetTwiceTheHeapRegistersAndStreamsFromItsStore() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        long expected = writeIdx(root.resolve("big"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, HEAP, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                LargerThanHeapTest.class.getName(), root.toString(), tmp.resolve("store").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().filter(l -> l.startsWith("RESULT ")).toList();
        assertEquals(2, lines.size(), out);
        for (String line : lines) {
            String[] f = line.split(" ");
            long maxHeap = Long.parseLong(f[3]);
            assertTrue((long) N * SIDE * SIDE > 1.5 * maxHeap, "samples must exceed the heap: " + line);
            assertEquals(N + " " + expected, f[1] + " " + f[2], "every sample streamed once, intact: " + line);
        }
    }

    /** IDX images whose pixels come from a seeded generator, labels i % 10; returns the sum of per-sample CRC-32s. */
    private static long writeIdx(Path dir) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom random = new SplittableRandom(42);
        byte[] image = new byte[SIDE * SIDE];
        long sum = 0;
        try (DataOutputStream img = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve("train-images-idx3-ubyte")), 1 << 20));
             DataOutputStream lab = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve("train-labels-idx1-ubyte"))))) {
            img.writeInt(0x803);
            img.writeInt(N);
            img.writeInt(SIDE);
            img.writeInt(SIDE);
            lab.writeInt(0x801);
            lab.writeInt(N);
            for (int i = 0; i < N; i++) {
                random.nextBytes(image);
                img.write(image);
                lab.write(i % 10);
                sum += crc(image, 0);
            }
        }
        return sum;
    }

    private static long crc(byte[] data, int offset) {
        CRC32 crc = new CRC32();
        crc.update(data, offset, SIDE * SIDE);
        return crc.getValue();
    }

    /** The child: register (decode into the store), stream an epoch; then a restarted registry maps it and streams again. */
    public static void main(String[] args) {
        Path root = Path.of(args[0]);
        for (int run = 0; run < 2; run++) {
            DatasetRegistry registry = Registries.registry(root, Path.of(args[1]));
            Dataset d = registry.register(new Registration("big", "idx", "big", null, null, null, null, null, null, null));
            int[] all = d.allIndices();
            TrainBatches batches = new TrainBatches(d, all, 7L, 500);
            long sum = 0;
            int seen = 0;
            for (long b = 0; seen < N; b++) {
                Batch batch = batches.batch(b);
                for (int j = 0; j < batch.labels().length; j++) {
                    sum += crc(batch.data(), j * SIDE * SIDE);
                    seen++;
                }
            }
            System.out.println("RESULT " + seen + " " + sum + " " + Runtime.getRuntime().maxMemory() + " sampleHeapBytes=" + d.sampleHeapBytes());
        }
    }
}
