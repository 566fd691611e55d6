package dev.preflight.gateway.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.preflight.kafka.LocalKafkaTestResource;
import dev.preflight.wire.Json;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.Topics;
import dev.preflight.wire.TrainStep;
import dev.preflight.wire.ValStep;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /api/runs/{id}/live}: a client that connects mid-run gets the history so far and then every step as it
 * arrives, exact (every step once per value, the losses bit for bit), val steps and the state changes; an unknown run
 * is a JSON 404. And the live page at {@code /} that draws from it.
 */
@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class RunLiveStreamTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URI root;

    /** Losses whose binary expansions do not terminate: a lossy formatter on the way would change them. */
    private static TrainStep train(String runId, int step) {
        return new TrainStep(runId, step, 2.302585092994046 / step + 0.1, 0.01 * step / 3, 0.001 / 7, 0.02 / 3, 32);
    }

    private static ProducerRecord<String, byte[]> record(String topic, String runId, Object value) {
        return new ProducerRecord<>(topic, runId, Json.encode(value));
    }

    /** One server-sent event: its name and its data line. */
    private record Event(String name, JsonNode data) {
    }

    @Test
    void aClientConnectingMidRunGetsTheHistoryThenEveryStepAsItArrives() throws Exception {
        String runId = RunIds.newId();
        List<ProducerRecord<String, byte[]>> first = new ArrayList<>();
        first.add(record(Topics.RUN_EVENTS, runId, new RunEvent(runId, RunEvent.Type.STARTED, 0, null, "trainer-a", 1L)));
        IntStream.rangeClosed(1, 10).forEach(s -> first.add(record(Topics.TRAIN_METRICS, runId, train(runId, s))));
        KafkaTestClient.publish(first);
        await().atMost(WAIT).untilAsserted(() -> given().get("/api/runs/" + runId).then().body("step", equalTo(10)));

        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<java.util.stream.Stream<String>> response = http.send(
                HttpRequest.newBuilder(root.resolve("/api/runs/" + runId + "/live")).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        Thread reader = new Thread(() -> {
            String[] name = {null};
            response.body().forEach(line -> {
                if (line.startsWith("event:")) {
                    name[0] = line.substring("event:".length()).trim();
                } else if (line.startsWith("data:")) {
                    events.add(new Event(name[0], Json.decode(line.substring("data:".length()).trim(), JsonNode.class)));
                }
            });
        }, "sse-reader");
        reader.setDaemon(true);
        reader.start();

        // Steps 11..40 arrive while the client listens; a redelivery of step 25 and val steps at 0, 20 and 40.
        List<ProducerRecord<String, byte[]>> rest = new ArrayList<>();
        IntStream.rangeClosed(11, 40).forEach(s -> rest.add(record(Topics.TRAIN_METRICS, runId, train(runId, s))));
        rest.add(record(Topics.TRAIN_METRICS, runId, train(runId, 25)));
        for (int s : new int[]{0, 20, 40}) {
            rest.add(record(Topics.VAL_METRICS, runId, new ValStep(runId, s, 1.0 / (s + 3), s / (s + 7.0), 64)));
        }
        rest.add(record(Topics.RUN_EVENTS, runId, new RunEvent(runId, RunEvent.Type.FINISHED, 40, "done", "trainer-a", 2L)));
        KafkaTestClient.publish(rest);

        Map<Integer, Double> trainLoss = new TreeMap<>();
        Map<Integer, Double> valLoss = new TreeMap<>();
        List<Event> received = new ArrayList<>();
        String lastState = null;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!(trainLoss.size() == 40 && valLoss.size() == 3 && "FINISHED".equals(lastState)) && System.nanoTime() < deadline) {
            Event e = events.poll(200, TimeUnit.MILLISECONDS);
            if (e == null) {
                continue;
            }
            received.add(e);
            switch (e.name()) {
                case "train" -> {
                    Double before = trainLoss.put(e.data().path("step").asInt(), e.data().path("loss").asDouble());
                    // A repeat (history/live overlap, or the redelivery) must carry the very same value.
                    assertTrue(before == null || before == e.data().path("loss").asDouble(), "step " + e.data());
                }
                case "val" -> valLoss.put(e.data().path("step").asInt(), e.data().path("valLoss").asDouble());
                case "state" -> lastState = e.data().path("state").asText();
                default -> throw new AssertionError("unexpected event " + e);
            }
        }
        assertEquals(IntStream.rangeClosed(1, 40).boxed().toList(), List.copyOf(trainLoss.keySet()), "every train step: " + received.size() + " events");
        for (int s = 1; s <= 40; s++) {
            assertEquals(train(runId, s).loss(), trainLoss.get(s), "step " + s + " bit for bit");
        }
        assertEquals(List.of(0, 20, 40), List.copyOf(valLoss.keySet()));
        assertEquals(1.0 / 23, valLoss.get(20));
        assertEquals("FINISHED", lastState);
        assertEquals("RUNNING", received.stream().filter(e -> e.name().equals("state")).findFirst().orElseThrow().data().path("state").asText(),
                "the first state event is the state at connection");
        // The first ten came as history, before anything live: in step order.
        assertEquals(IntStream.rangeClosed(1, 10).boxed().toList(),
                received.subList(0, 10).stream().map(e -> e.data().path("step").asInt()).toList());
    }

    @Test
    void anUnknownRunIsAJson404() {
        given().header("Accept", "text/event-stream").get("/api/runs/no-such-run/live").then().statusCode(404)
                .contentType("application/json").body("error", containsString("no-such-run"));
    }

    @Test
    void theLivePageIsServedAtTheRootWithItsChartLibrary() {
        String html = given().get("/").then().statusCode(200).contentType("text/html").extract().asString();
        assertTrue(html.contains("<title>Preflight live</title>"), html.substring(0, 300));
        assertTrue(html.contains("echarts") && html.contains("/api/runs/") && html.contains("id=\"chart-train\""));
    }
}
