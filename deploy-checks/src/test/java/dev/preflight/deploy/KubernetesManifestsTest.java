package dev.preflight.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.preflight.wire.Topics;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every manifest under deploy/k8s parses into typed objects with no field the types do not know (a misspelt field is
 * silently ignored by kubectl apply's lenient paths, and by fabric8 into additionalProperties: both are caught here),
 * and the manifests agree with each other and with the code (ports, topic, group).
 */
class KubernetesManifestsTest {

    static final Path K8S = Repo.path("deploy/k8s");
    /** Strict mapper for KEDA's ScaledObject, which no model on the classpath types: records below, unknown = error. */
    static final YAMLMapper STRICT = YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    record Meta(String name, String namespace, Map<String, String> labels, Map<String, String> annotations) {
    }

    record ScaleTargetRef(String apiVersion, String kind, String name, String envSourceContainerName) {
    }

    record Policy(String type, Integer value, Integer periodSeconds) {
    }

    record ScalingRules(Integer stabilizationWindowSeconds, String selectPolicy, List<Policy> policies) {
    }

    record Behavior(ScalingRules scaleUp, ScalingRules scaleDown) {
    }

    record HpaConfig(String name, Behavior behavior) {
    }

    record Advanced(HpaConfig horizontalPodAutoscalerConfig, Boolean restoreToOriginalReplicaCount) {
    }

    record AuthRef(String name, String kind) {
    }

    record Trigger(String type, String name, String metricType, Map<String, String> metadata, AuthRef authenticationRef) {
    }

    record ScaledObjectSpec(ScaleTargetRef scaleTargetRef, Integer minReplicaCount, Integer maxReplicaCount,
                            Integer idleReplicaCount, Integer pollingInterval, Integer cooldownPeriod, Advanced advanced,
                            List<Trigger> triggers) {
    }

    record ScaledObject(String apiVersion, String kind, Meta metadata, ScaledObjectSpec spec) {
    }

    /** Metadata keys of KEDA's Kafka scaler (keda.sh/docs/2.x/scalers/apache-kafka). */
    static final Set<String> KAFKA_TRIGGER_KEYS = Set.of("bootstrapServers", "consumerGroup", "topic", "lagThreshold",
            "activationLagThreshold", "offsetResetPolicy", "allowIdleConsumers", "scaleToZeroOnInvalidOffset",
            "excludePersistentLag", "version", "partitionLimitation", "limitToPartitionsWithLag", "sasl", "tls",
            "ensureEvenDistributionOfPartitions");

    private final List<HasMetadata> objects = new ArrayList<>();
    private final List<ScaledObject> scaledObjects = new ArrayList<>();

    KubernetesManifestsTest() throws IOException {
        for (Path file : files()) {
            for (String doc : Repo.yamlDocuments(file)) {
                JsonNode tree = Repo.YAML.readTree(doc);
                if ("ScaledObject".equals(tree.path("kind").asText())) {
                    scaledObjects.add(STRICT.readValue(doc, ScaledObject.class));
                } else {
                    HasMetadata object = Repo.YAML.readValue(doc, HasMetadata.class);
                    assertEquals(tree.path("kind").asText(), object.getKind(), file.toString());
                    assertNoUnknownFields(object, file + " " + object.getKind() + "/" + object.getMetadata().getName());
                    objects.add(object);
                }
            }
        }
    }

    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(K8S)) {
            return s.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    /** Walks the typed object graph: any fabric8 object holding additional properties had a field its type lacks. */
    static void assertNoUnknownFields(Object root, String where) {
        walk(root, where, new IdentityHashMap<>());
    }

    private static void walk(Object o, String path, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "." + k, seen));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    fail("unknown field(s) " + extra.keySet() + " at " + path);
                }
            } else {
                walk(value, path + "." + m.getName().substring(3), seen);
            }
        }
    }

    private <T extends HasMetadata> T find(Class<T> type, String name) {
        return objects.stream().filter(type::isInstance).map(type::cast)
                .filter(o -> name.equals(o.getMetadata().getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " in deploy/k8s"));
    }

    private static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> name.equals(e.getName())).map(EnvVar::getValue).findFirst().orElse(null);
    }

    @Test
    void generatedManifestsSayHowToRegenerateThem() throws IOException {
        for (String module : Repo.SERVICES) {
            Path file = K8S.resolve(module + ".yml");
            assertTrue(Files.isRegularFile(file), "missing " + file);
            assertEquals("# GENERATED by quarkus-kubernetes from " + module + " — do not edit; regenerate with deploy/k8s/generate.sh",
                    Files.readAllLines(file).get(0));
        }
    }

    @Test
    void everyServiceRunsItsImageOnItsPortScrapedByPrometheusAndProbed() {
        for (String module : Repo.SERVICES) {
            int port = Repo.httpPort(module);
            Deployment d = find(Deployment.class, module);
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertEquals("preflight/" + module + ":latest", c.getImage());
            assertEquals(port, c.getPorts().get(0).getContainerPort(), module);
            assertEquals("kafka:9092", env(c, "KAFKA_BOOTSTRAP_SERVERS"), module);
            Map<String, String> annotations = d.getSpec().getTemplate().getMetadata().getAnnotations();
            assertEquals("true", annotations.get("prometheus.io/scrape"), module);
            assertEquals("/q/metrics", annotations.get("prometheus.io/path"), module);
            assertEquals(String.valueOf(port), annotations.get("prometheus.io/port"), module);
            assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath(), module);
            assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath(), module);
            assertNotNull(c.getResources().getLimits().get("memory"), module + " has a memory limit");
            Service s = find(Service.class, module);
            assertEquals(d.getSpec().getSelector().getMatchLabels(), s.getSpec().getSelector(), module);
        }
        Container eval = find(Deployment.class, "eval-service").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("http://data-service", env(eval, "QUARKUS_REST_CLIENT_DATA_SERVICE_URL"));
        assertEquals(80, find(Service.class, "data-service").getSpec().getPorts().get(0).getPort());
    }

    /**
     * The gateway and the data-service read their API key (mutating endpoints: submit, kill, experiments, dataset
     * registration) from one Secret, as docker compose gives both the same PREFLIGHT_API_KEY: never a literal in a
     * manifest, and never unset (each would generate a key of its own, and the gateway's could not register datasets).
     */
    @Test
    void gatewayAndDataServiceTakeTheirApiKeyFromOneSecret() {
        Map<String, String> variables = Map.of("metrics-gateway", "PREFLIGHT_GATEWAY_API_KEY", "data-service", "PREFLIGHT_DATA_API_KEY");
        variables.forEach((module, variable) -> {
            Container c = find(Deployment.class, module).getSpec().getTemplate().getSpec().getContainers().get(0);
            EnvVar key = c.getEnv().stream().filter(e -> variable.equals(e.getName())).findFirst()
                    .orElseThrow(() -> new AssertionError(module + " has no " + variable));
            assertEquals(null, key.getValue(), module + ": no literal key in the manifest");
            assertEquals("preflight-api-key", key.getValueFrom().getSecretKeyRef().getName(), module);
            assertEquals("api-key", key.getValueFrom().getSecretKeyRef().getKey(), module);
        });
    }

    @Test
    void kafkaIsAStatefulSetBehindTheServiceNameTheServicesUse() {
        StatefulSet kafka = find(StatefulSet.class, "kafka");
        assertEquals("kafka", kafka.getSpec().getServiceName());
        Container c = kafka.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertTrue(c.getImage().startsWith("apache/kafka:4.1."));
        assertEquals(String.valueOf(Topics.MAX_MESSAGE_BYTES), env(c, "KAFKA_MESSAGE_MAX_BYTES"));
        assertEquals("false", env(c, "KAFKA_AUTO_CREATE_TOPICS_ENABLE"));
        Service svc = find(Service.class, "kafka");
        assertTrue(svc.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == 9092));
        assertEquals(kafka.getSpec().getSelector().getMatchLabels(), svc.getSpec().getSelector());
    }

    @Test
    void kedaScalesTheTrainerDeploymentOnTheRunQueueLag() {
        assertEquals(1, scaledObjects.size());
        ScaledObject so = scaledObjects.get(0);
        assertEquals("keda.sh/v1alpha1", so.apiVersion());
        ScaledObjectSpec spec = so.spec();
        assertEquals("Deployment", spec.scaleTargetRef().kind());
        Deployment trainer = find(Deployment.class, spec.scaleTargetRef().name());
        assertEquals("trainer-service", trainer.getMetadata().getName());
        assertTrue(trainer.getSpec().getReplicas() >= 1, "the Deployment's replicas are the parallelism without KEDA");
        assertTrue(spec.minReplicaCount() >= 1 && spec.minReplicaCount() <= spec.maxReplicaCount());
        assertTrue(spec.maxReplicaCount() <= Topics.RUN_PARTITIONS, "replicas beyond the run partitions can never take a run");
        assertEquals(1, spec.triggers().size());
        Trigger kafka = spec.triggers().get(0);
        assertEquals("kafka", kafka.type());
        assertTrue(KAFKA_TRIGGER_KEYS.containsAll(kafka.metadata().keySet()), "unknown Kafka scaler keys: " + kafka.metadata().keySet());
        assertEquals(Topics.RUNS, kafka.metadata().get("topic"));
        assertEquals("preflight-trainers", kafka.metadata().get("consumerGroup"));
        assertEquals("kafka:9092", kafka.metadata().get("bootstrapServers"));
        assertTrue(Integer.parseInt(kafka.metadata().get("lagThreshold")) >= 1);
    }

    @Test
    void aMisspeltFieldIsCaught() throws IOException {
        String doc = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  replicas: 1
                  template:
                    spec:
                      containers:
                        - name: x
                          image: x
                          imagePullPolicy: IfNotPresent
                          readinesProbe: {tcpSocket: {port: 1}}
                """;
        HasMetadata object = Repo.YAML.readValue(doc, HasMetadata.class);
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> assertNoUnknownFields(object, "doc"));
        assertTrue(e.getMessage().contains("readinesProbe"), e.getMessage());
        assertFalse(scaledObjects.isEmpty());
        String badKeda = Repo.YAML.writeValueAsString(Repo.YAML.readTree(Files.readString(K8S.resolve("trainer-scaledobject.yml"))))
                .replace("cooldownPeriod", "cooldownPeriodSeconds");
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> STRICT.readValue(badKeda, ScaledObject.class));
    }
}
