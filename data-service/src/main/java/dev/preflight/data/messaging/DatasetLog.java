package dev.preflight.data.messaging;

import dev.preflight.data.load.Registration;
import dev.preflight.data.service.DatasetRegistry;
import dev.preflight.wire.Channels;
import dev.preflight.wire.Json;
import dev.preflight.wire.Topics;
import io.quarkus.runtime.Startup;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The dataset registry's log on Kafka ({@value Topics#DATASETS}, compacted, one partition): a registration accepted
 * by one replica is published there, and every replica (each in a group of its own, from the start of the topic)
 * adopts every registration, so every replica serves every dataset and a new or restarted one rebuilds its registry
 * from the topic. Replaces the per-replica {@code .preflight-datasets.json}.
 *
 * <p>Until a replica has read the topic up to the end offset it had at start-up, a lookup of a name it does not know
 * yet waits (bounded by {@link #REPLAY_WAIT}) instead of answering "unknown dataset" for a dataset registered long ago.
 *
 * <p>A record that does not decode, names a built-in dataset or an invalid name/format, or whose files cannot be
 * loaded on this replica (not mounted here, gone) is dead-lettered with the reason by the channel's strategy; the
 * replica keeps consuming. One that cannot be loaded stays registered, so using it answers 422 naming why, as before.
 */
@Startup
@ApplicationScoped
public class DatasetLog {

    private static final Logger LOG = Logger.getLogger(DatasetLog.class);
    /** How long a lookup waits for the replay at start-up; far more than reading a topic of registrations takes. */
    static final Duration REPLAY_WAIT = Duration.ofSeconds(60);
    private static final Duration ACK_WAIT = Duration.ofSeconds(30);

    private final DatasetRegistry registry;
    private final MutinyEmitter<byte[]> out;
    private final CountDownLatch replayed = new CountDownLatch(1);
    /** The topic's end offset at start-up: the replay is done once the record before it has been handled. */
    private final long endAtStart;

    @Inject
    public DatasetLog(DatasetRegistry registry, @Channel(Channels.DATASETS_OUT) MutinyEmitter<byte[]> out,
                      @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092") String bootstrap) {
        this.registry = registry;
        this.out = out;
        long end;
        TopicPartition tp = new TopicPartition(Topics.DATASETS, 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Topics.ensureAll(admin);
            end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
        } catch (Exception e) {
            // Without the offset the replica cannot tell when it has caught up; it serves what it has read so far.
            LOG.warnf("cannot read the end offset of %s (%s): lookups do not wait for the replay", Topics.DATASETS, e.toString());
            end = 0;
        }
        this.endAtStart = end;
        if (end == 0) {
            replayed.countDown();
        }
        registry.replayGate(replayed, REPLAY_WAIT);
        LOG.infof("replaying %d dataset registration record(s) from %s", end, Topics.DATASETS);
    }

    /**
     * Publishes a registration this replica accepted (and loaded), keyed by name, and waits for the broker's ack
     * (acks=all): once the 201 is sent, every replica will have it.
     *
     * @throws RuntimeException when the broker does not acknowledge within 30 s
     */
    public void publish(Registration r) {
        out.sendMessage(Message.of(Json.encode(r)).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(r.name()).build()))
                .await().atMost(ACK_WAIT);
    }

    /** Waits (bounded) until the registrations published before this replica started have been adopted. */
    public void awaitReplayed() throws InterruptedException {
        if (!replayed.await(REPLAY_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warnf("%s not replayed after %s; going on with the registrations read so far", Topics.DATASETS, REPLAY_WAIT);
        }
    }

    /**
     * Adopts one registration record; loads the dataset at once, so a record this replica cannot use is dead-lettered
     * now with the reason (and its store file is built or mapped before the first run needs it).
     */
    @Incoming(Channels.DATASETS_IN)
    @Blocking
    public void onRegistration(ConsumerRecord<String, byte[]> record) {
        try {
            if (record.value() == null) {
                return; // a tombstone: nothing removes registrations today
            }
            Registration r = Json.decode(record.value(), Registration.class);
            if (registry.adopt(r)) {
                try {
                    registry.get(r.name());
                    LOG.infof("adopted dataset %s (%s at %s) from %s", r.name(), r.format(), r.path(), Topics.DATASETS);
                } catch (RuntimeException e) {
                    throw new IllegalStateException("dataset '" + r.name() + "' cannot be loaded on this replica: " + e.getMessage(), e);
                }
            }
        } finally {
            if (record.offset() >= endAtStart - 1) {
                replayed.countDown();
            }
        }
    }
}
