package dev.preflight.trainer;

import dev.preflight.kafka.LocalKafka;
import dev.preflight.trainer.messaging.UploadedWeights;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.Topics;
import dev.preflight.wire.WeightsUploads;
import dev.preflight.wire.WireFormatException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A trainer replica gets an uploaded weights file from Kafka (real broker): chunked across records, reassembled byte
 * for byte under its content-derived id; an unknown id fails the run naming it; a copy cut short is refused until a
 * whole copy follows.
 */
class UploadedWeightsTest {

    static LocalKafka kafka;
    static KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    static void start() {
        kafka = LocalKafka.start();
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MESSAGE_BYTES), new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stop() {
        producer.close();
        kafka.close();
    }

    static Path file(int bytes, long seed) throws Exception {
        byte[] data = new byte[bytes];
        new SplittableRandom(seed).nextBytes(data);
        Path p = Files.createTempFile("weights", ".h5");
        Files.write(p, data);
        return p;
    }

    static String publish(Path file) throws Exception {
        byte[] sha = WeightsUploads.sha256().digest(Files.readAllBytes(file));
        String id = WeightsUploads.idOf(sha);
        Topics.ensure(kafka.admin(), List.of(Topics.weightsStream(id)));
        WeightsUploads.publish(producer, file, sha);
        return id;
    }

    static ModelConfig config(String weights) {
        return ModelConfig.builder(ModelConfig.Type.KERAS).seed(1L).learningRate(1e-3).kerasWeights(weights).build();
    }

    @Test
    void anUploadOfSeveralChunksReachesTheTrainerByteForByte() throws Exception {
        Path original = file(2 * WeightsUploads.CHUNK_BYTES + 12345, 1);
        String id = publish(original);
        ModelConfig resolved = UploadedWeights.resolve(config("upload:" + id), kafka.bootstrapServers());
        Path local = Path.of(resolved.kerasWeights());
        assertTrue(local.getFileName().toString().startsWith(id), local.toString());
        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(local));
        assertSame(config("/data/w.h5").kerasWeights(), UploadedWeights.resolve(config("/data/w.h5"), kafka.bootstrapServers()).kerasWeights(),
                "a path is the trainer's own file: left as it is");
    }

    @Test
    void anUnknownUploadFailsNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UploadedWeights.resolve(config("upload:w-00000000000000aa"), kafka.bootstrapServers()));
        assertEquals("model.kerasWeights 'upload:w-00000000000000aa': the cluster holds no such upload (POST /api/models/weights "
                + "gives the id)", e.getMessage());
    }

    @Test
    void aCopyCutShortIsRefusedAndAWholeCopyAfterItIsRead() throws Exception {
        Path original = file(WeightsUploads.CHUNK_BYTES + 10, 2);
        byte[] bytes = Files.readAllBytes(original);
        byte[] sha = WeightsUploads.sha256().digest(bytes);
        String id = WeightsUploads.idOf(sha);
        Topics.ensure(kafka.admin(), List.of(Topics.weightsStream(id)));
        // Only the first of two chunks: the gateway stopped mid-upload.
        byte[] first = java.util.Arrays.copyOf(bytes, WeightsUploads.CHUNK_BYTES);
        producer.send(new ProducerRecord<>(Topics.weights(id), 0, null, WeightsUploads.encode(new WeightsUploads.Chunk(0, 2, bytes.length, sha, first)))).get();
        Path target = Files.createTempDirectory("w").resolve("w.h5");
        WireFormatException e = assertThrows(WireFormatException.class,
                () -> WeightsUploads.fetch(kafka.bootstrapServers(), id, target, Duration.ofSeconds(20)));
        assertEquals("weights upload " + id + ": 1 of 2 chunks", e.getMessage());
        assertFalse(Files.exists(target));
        WeightsUploads.publish(producer, original, sha);
        assertTrue(WeightsUploads.fetch(kafka.bootstrapServers(), id, target, Duration.ofSeconds(20)));
        assertArrayEquals(bytes, Files.readAllBytes(target));
    }

    @Test
    void aRecordThatIsNoChunkIsRefusedByItsMagic() {
        WireFormatException e = assertThrows(WireFormatException.class, () -> WeightsUploads.decode("{\"this\": \"is a JSON record on the weights topic, not a chunk\"}".getBytes()));
        assertTrue(e.getMessage().startsWith("not a weights chunk: magic"), e.getMessage());
    }
}
