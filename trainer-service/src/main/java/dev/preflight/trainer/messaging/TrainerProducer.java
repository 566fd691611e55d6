package dev.preflight.trainer.messaging;

import dev.preflight.wire.Json;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunLease;
import dev.preflight.wire.Snapshot;
import dev.preflight.wire.SnapshotCodec;
import dev.preflight.wire.Topics;
import dev.preflight.wire.TrainStep;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Everything the trainer publishes. A plain thread-safe producer rather than reactive-messaging emitters: sends
 * happen on the training thread once per step, and the run's FINISHED event must follow a flush of its last metrics.
 */
@ApplicationScoped
public class TrainerProducer {

    /** Header on train-metrics records naming the replica that published them. */
    public static final String WORKER_HEADER = "preflight-worker";

    private final KafkaProducer<byte[], byte[]> producer;

    public TrainerProducer(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                // Snapshots of larger models exceed the 1 MB default.
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MESSAGE_BYTES,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 4L * Topics.MAX_MESSAGE_BYTES,
                ProducerConfig.ACKS_CONFIG, "all",
                // Said rather than left to the client's default: a step retried across a broker outage is written once.
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                // Per-step metrics are small; a short linger batches them without delaying validation noticeably.
                ProducerConfig.LINGER_MS_CONFIG, 2,
                ProducerConfig.CLIENT_ID_CONFIG, "preflight-trainer"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    public void trainStep(TrainStep step) {
        trainStep(step, null);
    }

    /** With the publishing replica in a {@value #WORKER_HEADER} header: who published which copy of a step. */
    public void trainStep(TrainStep step, String worker) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(Topics.TRAIN_METRICS, key(step.runId()), Json.encode(step));
        if (worker != null) {
            record.headers().add(WORKER_HEADER, worker.getBytes(StandardCharsets.UTF_8));
        }
        send(record);
    }

    /** Writes a lease record (claim or renewal) and waits for the broker: the caller needs its offset. */
    public RecordMetadata lease(RunLease lease) throws ExecutionException, InterruptedException, TimeoutException {
        return producer.send(new ProducerRecord<>(Topics.LEASES, key(lease.runId()), Json.encode(lease))).get(10, TimeUnit.SECONDS);
    }

    /** Releases a run's lease (a tombstone), after its terminal event. */
    public void releaseLease(String runId) throws ExecutionException, InterruptedException, TimeoutException {
        producer.send(new ProducerRecord<>(Topics.LEASES, key(runId), null)).get(10, TimeUnit.SECONDS);
    }

    public void checkpoint(CheckpointStore.Checkpoint checkpoint) {
        send(new ProducerRecord<>(Topics.CHECKPOINTS, key(checkpoint.state().runId()), CheckpointStore.encode(checkpoint)));
    }

    /** @return the bytes of the encoded snapshot, as published (what the bench's snapshot-traffic figure counts) */
    public int snapshot(Snapshot snapshot) {
        byte[] bytes = SnapshotCodec.encode(snapshot);
        send(new ProducerRecord<>(Topics.SNAPSHOTS, key(snapshot.runId()), bytes));
        return bytes.length;
    }

    /** Lifecycle events are sent after a flush and waited for: they must not overtake the run's metrics. */
    public void runEvent(RunEvent event) {
        producer.flush();
        try {
            producer.send(new ProducerRecord<>(Topics.RUN_EVENTS, key(event.runId()), Json.encode(event))).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted publishing " + event, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not publish " + event.type() + " for " + event.runId(), e);
        }
    }

    void send(ProducerRecord<byte[], byte[]> record) {
        producer.send(record);
    }

    private static byte[] key(String runId) {
        return runId.getBytes(StandardCharsets.UTF_8);
    }

    void onStop(@Observes ShutdownEvent ev) {
        producer.close();
    }
}
