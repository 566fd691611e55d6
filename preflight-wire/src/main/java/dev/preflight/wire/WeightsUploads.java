package dev.preflight.wire;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * Keras weight files uploaded to the gateway ({@code POST /api/models/weights}) travel to the trainer replicas through
 * Kafka, so a replica on any host can read them: one topic per upload ({@link Topics#weights}), the file cut into
 * chunks of {@link #CHUNK_BYTES} (under the 16 MiB record limit every Preflight topic already allows).
 *
 * <p>An upload's id is {@code w-} + the first 16 hex digits of the file's SHA-256, so uploading the same file twice
 * gives the same id and the same topic. A run spec names it as {@code model.kerasWeights: "upload:<id>"}.
 *
 * <p>Chunk format ({@code "PFW1"}, big-endian): magic, index u32, count u32, total file bytes u64, SHA-256 of the whole
 * file (32 bytes), then the chunk's bytes. The reader checks every field, the chunk order and the file's hash.
 */
public final class WeightsUploads {

    /** What a run spec's {@code kerasWeights} starts with to name an upload instead of a path. */
    public static final String REFERENCE_PREFIX = "upload:";
    /** Bytes per chunk record: 4 MiB, well under {@link Topics#MAX_MESSAGE_BYTES} with the header. */
    public static final int CHUNK_BYTES = 4 * 1024 * 1024;
    public static final Pattern ID = Pattern.compile("w-[0-9a-f]{16}");

    private static final int MAGIC = 0x50465731; // "PFW1"
    private static final int HEADER = 4 + 4 + 4 + 8 + 32;

    private WeightsUploads() {
    }

    /** The id of a file with this SHA-256. */
    public static String idOf(byte[] sha256) {
        return "w-" + HexFormat.of().formatHex(sha256, 0, 8);
    }

    /** The upload id a {@code kerasWeights} value names, or null when it is a path. */
    public static String uploadId(String kerasWeights) {
        return kerasWeights != null && kerasWeights.startsWith(REFERENCE_PREFIX) ? kerasWeights.substring(REFERENCE_PREFIX.length()) : null;
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** One chunk of an upload. */
    public record Chunk(int index, int count, long totalBytes, byte[] sha256, byte[] data) {
    }

    public static byte[] encode(Chunk c) {
        return ByteBuffer.allocate(HEADER + c.data().length).putInt(MAGIC).putInt(c.index()).putInt(c.count())
                .putLong(c.totalBytes()).put(c.sha256()).put(c.data()).array();
    }

    /** @throws WireFormatException naming the field that is wrong */
    public static Chunk decode(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER) {
            throw new WireFormatException("weights chunk shorter than its " + HEADER + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int magic = b.getInt();
        if (magic != MAGIC) {
            throw new WireFormatException(String.format("not a weights chunk: magic 0x%08x, expected 0x%08x", magic, MAGIC));
        }
        int index = b.getInt();
        int count = b.getInt();
        long total = b.getLong();
        if (count < 1 || index < 0 || index >= count || total < 0) {
            throw new WireFormatException("weights chunk " + index + " of " + count + " (" + total + " bytes) is out of range");
        }
        byte[] sha = new byte[32];
        b.get(sha);
        byte[] data = new byte[b.remaining()];
        b.get(data);
        return new Chunk(index, count, total, sha, data);
    }

    /**
     * Publishes a file's chunks to its upload topic (which must exist: {@link Topics#weightsStream}) and waits for the
     * broker to acknowledge each.
     *
     * @param sha256 the file's hash (its id is {@link #idOf} of it)
     */
    public static void publish(Producer<byte[], byte[]> producer, Path file, byte[] sha256) throws IOException, ExecutionException, InterruptedException {
        String id = idOf(sha256);
        long total = Files.size(file);
        int count = (int) Math.max(1, (total + CHUNK_BYTES - 1) / CHUNK_BYTES);
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        List<Future<?>> acks = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (int i = 0; i < count; i++) {
                byte[] data = in.readNBytes((int) Math.min(CHUNK_BYTES, total - (long) i * CHUNK_BYTES));
                acks.add(producer.send(new ProducerRecord<>(Topics.weights(id), 0, key, encode(new Chunk(i, count, total, sha256, data)))));
            }
        }
        producer.flush();
        for (Future<?> f : acks) {
            f.get();
        }
    }

    /**
     * Reads an upload from Kafka into {@code target} (written whole, then moved into place).
     *
     * @return false when the cluster holds no upload with this id (no topic, or an empty one)
     * @throws WireFormatException when a chunk is malformed, missing or repeated, or the file's hash does not match
     */
    public static boolean fetch(String bootstrap, String id, Path target, Duration timeout) {
        String topic = Topics.weights(id);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            if (c.partitionsFor(topic, timeout).isEmpty()) {
                return false;
            }
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp), timeout).get(tp);
            if (end == 0) {
                return false;
            }
            Path part = target.resolveSibling(target.getFileName() + ".part");
            MessageDigest sha = sha256();
            Chunk first = null;
            int next = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            try (var out = java.nio.channels.FileChannel.open(part, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                while (c.position(tp) < end && (first == null || next < first.count())) {
                    if (System.nanoTime() > deadline) {
                        throw new WireFormatException("weights upload " + id + ": timed out after " + timeout + " reading its chunks");
                    }
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        if (first != null && next == first.count()) {
                            break;
                        }
                        Chunk k = decode(r.value());
                        if (k.index() == 0) {
                            // A fresh copy starts (the first, or a re-upload after one cut short): read it from here.
                            first = k;
                            next = 0;
                            sha.reset();
                            out.truncate(0);
                            out.position(0);
                        }
                        if (first == null || k.index() != next || k.count() != first.count() || !Arrays.equals(k.sha256(), first.sha256())) {
                            throw new WireFormatException("weights upload " + id + ": chunk " + k.index() + " of " + k.count()
                                    + " where chunk " + next + " of " + (first == null ? "?" : first.count()) + " was expected");
                        }
                        out.write(ByteBuffer.wrap(k.data()));
                        sha.update(k.data());
                        next++;
                    }
                }
            }
            if (first == null || next != first.count()) {
                Files.deleteIfExists(part);
                throw new WireFormatException("weights upload " + id + ": " + next + " of " + (first == null ? "?" : first.count()) + " chunks");
            }
            byte[] digest = sha.digest();
            if (!Arrays.equals(digest, first.sha256()) || !idOf(digest).equals(id)) {
                throw new WireFormatException("weights upload " + id + ": the chunks' SHA-256 does not match the upload's");
            }
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write weights upload " + id + " to " + target, e);
        }
    }
}
