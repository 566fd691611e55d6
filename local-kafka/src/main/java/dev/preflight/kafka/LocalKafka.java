package dev.preflight.kafka;

import dev.preflight.wire.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real Apache Kafka broker (KRaft, one combined broker+controller node) running inside this JVM.
 *
 * <p>Used by the laptop demo and by every integration test, so that nothing needs Docker. It is the same broker code
 * as a production cluster, only with one node, which is why the internal topics must be told to use a replication
 * factor of 1: with the defaults (3) the consumer-offsets topic can never be created and consumer groups never form.
 */
public final class LocalKafka implements Broker {

    private final KafkaClusterTestKit cluster;
    private final Path dataDir;

    private LocalKafka(KafkaClusterTestKit cluster, Path dataDir) {
        this.cluster = cluster;
        this.dataDir = dataDir;
    }

    /** Formats fresh storage, starts the broker, waits until it serves, and creates every Preflight topic. */
    public static LocalKafka start() {
        try {
            Path dir = Files.createTempDirectory("preflight-kafka-");
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBaseDirectory(dir)
                    .build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true);
            brokerConfig().forEach(builder::setConfigProp);
            KafkaClusterTestKit cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            LocalKafka kafka = new LocalKafka(cluster, dir);
            try (Admin admin = kafka.admin()) {
                Topics.ensureAll(admin);
            }
            return kafka;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the local Kafka broker: " + e.getMessage(), e);
        }
    }

    /** Broker settings that differ from Kafka's defaults, and why. Documented in docs/ARCHITECTURE.md. */
    static Map<String, Object> brokerConfig() {
        return Map.ofEntries(
                // One node: internal topics cannot be replicated three times.
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "4"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                // Topics are created explicitly by Topics.ensureAll; a typo must not silently create a new topic.
                Map.entry("auto.create.topics.enable", "false"),
                // Weight snapshots and image batches exceed the 1 MB default.
                Map.entry("message.max.bytes", String.valueOf(Topics.MAX_MESSAGE_BYTES)),
                Map.entry("replica.fetch.max.bytes", String.valueOf(Topics.MAX_MESSAGE_BYTES)),
                // A single-node demo has no one to wait for before the first rebalance.
                Map.entry("group.initial.rebalance.delay.ms", "0"));
    }

    @Override
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the local Kafka broker", e);
        }
    }

    /** Runs a broker until the process is stopped; prints the bootstrap address as its first line. */
    public static void main(String[] args) throws InterruptedException {
        LocalKafka kafka = start();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
        System.out.println(kafka.bootstrapServers());
        Thread.currentThread().join();
    }
}
