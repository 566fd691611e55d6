package dev.preflight.data.messaging;

import dev.preflight.wire.Topics;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who streams a run: the replica the {@code preflight-data-service} group gives the run's {@code preflight.runs}
 * partition. Replicas share the run queue's partitions, so each submission reaches one replica; this listener keeps
 * that true for streams already running when partitions move: on revocation the replica stops the streams of those
 * partitions and waits for their last batches to be acknowledged ({@link BatchStreamer#release}) before the group
 * goes on; on assignment it resumes the unfinished streams of its new partitions ({@link StreamRecovery}). Two
 * replicas therefore never stream one run at the same time, and a run whose replica died is resumed by the one that
 * gets its partition. Called on the channel's polling thread.
 */
@ApplicationScoped
@Identifier(RunPartitions.NAME)
public class RunPartitions implements KafkaConsumerRebalanceListener {

    /** The name {@code mp.messaging.incoming.runs-in.consumer-rebalance-listener.name} refers to. */
    public static final String NAME = "run-partitions";
    private static final Logger LOG = Logger.getLogger(RunPartitions.class);

    private final BatchStreamer streamer;
    private final StreamRecovery recovery;

    public RunPartitions(BatchStreamer streamer, StreamRecovery recovery) {
        this.streamer = streamer;
        this.recovery = recovery;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Set<Integer> runs = ofRuns(partitions);
        LOG.infof("%s partitions assigned here: %s", Topics.RUNS, runs);
        recovery.resume(runs);
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Set<Integer> runs = ofRuns(partitions);
        if (!runs.isEmpty()) {
            LOG.infof("%s partitions revoked here: %s; stopping their streams", Topics.RUNS, runs);
            streamer.release(runs);
        }
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // Lost (the session expired): another replica may already stream them; stop ours at once.
        onPartitionsRevoked(consumer, partitions);
    }

    private static Set<Integer> ofRuns(Collection<TopicPartition> partitions) {
        return partitions.stream().filter(p -> p.topic().equals(Topics.RUNS)).map(TopicPartition::partition)
                .collect(Collectors.toUnmodifiableSet());
    }
}
