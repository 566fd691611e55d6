package dev.preflight.gateway.rest;

import dev.preflight.wire.DataConfig;
import dev.preflight.wire.Json;
import dev.preflight.wire.ModelConfig;
import dev.preflight.wire.RunCommand;
import dev.preflight.wire.RunEvent;
import dev.preflight.wire.RunIds;
import dev.preflight.wire.RunLease;
import dev.preflight.wire.RunSpec;
import dev.preflight.wire.RunSubmitted;
import dev.preflight.wire.Topics;
import dev.preflight.wire.TrainStep;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs whose trainer vanished, as the gateway sees them on the topics (lease records as the trainers write them, with
 * {@code preflight.gateway.lost-after} shortened to {@link #LOST_AFTER}): a run whose lease nobody renews is declared
 * LOST (event, FAIL command, state) and its meters retire; a run another replica resumed keeps one set of meters and
 * is never declared lost; a released lease is not watched.
 */
@QuarkusTest
@TestProfile(RetirementAndTensorBoardTest.Profile.class)
class LostRunTest {

    static final Duration LOST_AFTER = Duration.ofSeconds(5);

    static RunSubmitted submitted(String runId) {
        RunSpec spec = new RunSpec("shapes", new DataConfig(1L, 0, 16, 0.2), new ModelConfig("mlp", 7L, 1e-3, List.of(8)), 20, null);
        return new RunSubmitted(runId, spec, System.currentTimeMillis());
    }

    static ProducerRecord<String, byte[]> record(String topic, String runId, Object value) {
        return new ProducerRecord<>(topic, runId, value == null ? null : Json.encode(value));
    }

    static RunLease lease(RunSubmitted run, String worker, long epoch, int step) {
        return new RunLease(run.runId(), worker, epoch, run, 10_000, step, System.currentTimeMillis());
    }

    static TrainStep step(String runId, int step) {
        return new TrainStep(runId, step, 1.0 / step, 0.1, 0.01, 0.09, 16);
    }

    @Test
    void aRunWhoseLeaseNobodyRenewsIsDeclaredLostAndItsMetersRetire() {
        String runId = RunIds.newId();
        RunSubmitted run = submitted(runId);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(record(Topics.RUNS, runId, run));
        records.add(record(Topics.RUN_EVENTS, runId, new RunEvent(runId, RunEvent.Type.STARTED, 0, null, "trainer-a", System.currentTimeMillis())));
        for (int s = 1; s <= 4; s++) {
            records.add(record(Topics.TRAIN_METRICS, runId, step(runId, s)));
        }
        // The holder's last renewal, then silence: it was killed and no replica is left to take the run.
        records.add(record(Topics.LEASES, runId, lease(run, "trainer-a", 1, 4)));
        KafkaTestClient.publish(records);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/runs/" + runId).then().statusCode(200)
                .body("state", equalTo("LOST"))
                .body("worker", equalTo("metrics-gateway"))
                .body("message", containsString("no trainer renewed its lease"))
                .body("message", containsString("last holder trainer-a, at step 4")));

        RunEvent lost = RunEvent.decode(KafkaTestClient.awaitRecord(Topics.RUN_EVENTS, r -> runId.equals(r.key())
                && RunEvent.decode(r.value()).type() == RunEvent.Type.LOST).value());
        assertEquals(4, lost.step());
        assertTrue(lost.terminal());
        // The same reason to the trainers: a replica that becomes free later ends the run FAILED instead of training it.
        ConsumerRecord<String, byte[]> fail = KafkaTestClient.awaitRecord(Topics.CONTROL, r -> runId.equals(r.key()));
        RunCommand command = Json.decode(fail.value(), RunCommand.class);
        assertEquals(RunCommand.Type.FAIL, command.type());
        assertEquals(lost.message(), command.reason());

        // Ended: its series retire after the (test) retention of 2 s, its history stays.
        await().atMost(Duration.ofSeconds(30)).until(() -> !given().get("/q/metrics").then().extract().asString()
                .contains("run=\"" + runId + "\""));
        given().get("/api/runs/" + runId + "/history").then().statusCode(200).body("train.step", org.hamcrest.Matchers.contains(1, 2, 3, 4));
    }

    @Test
    void aResumedRunKeepsOneSetOfMetersAndIsNotLost() throws Exception {
        String runId = RunIds.newId();
        RunSubmitted run = submitted(runId);
        // The submission first, as in a real run: the gateway's consumers of different topics race, and a run first seen
        // through its train steps is tagged model="unknown" for good (RunRecord.UNKNOWN_MODEL).
        KafkaTestClient.publish(List.of(record(Topics.RUNS, runId, run)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/runs/" + runId).then().statusCode(200));
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(record(Topics.LEASES, runId, lease(run, "trainer-a", 1, 0)));
        records.add(record(Topics.RUN_EVENTS, runId, new RunEvent(runId, RunEvent.Type.STARTED, 0, null, "trainer-a", System.currentTimeMillis())));
        for (int s = 1; s <= 6; s++) {
            records.add(record(Topics.TRAIN_METRICS, runId, step(runId, s)));
        }
        // trainer-a died after step 6; trainer-b took the run over from the checkpoint at step 4.
        records.add(record(Topics.LEASES, runId, lease(run, "trainer-b", 2, 4)));
        records.add(record(Topics.RUN_EVENTS, runId, new RunEvent(runId, RunEvent.Type.RESUMED, 4, "resumed", "trainer-b",
                System.currentTimeMillis(), "trainer-a")));
        KafkaTestClient.publish(records);

        // trainer-b renews every half second for longer than lost-after, replaying steps 5 and 6 and going on to 8.
        long until = System.nanoTime() + LOST_AFTER.multipliedBy(2).toNanos();
        int next = 5;
        while (System.nanoTime() < until) {
            List<ProducerRecord<String, byte[]>> beat = new ArrayList<>();
            beat.add(record(Topics.LEASES, runId, lease(run, "trainer-b", 2, next - 1)));
            if (next <= 8) {
                beat.add(record(Topics.TRAIN_METRICS, runId, step(runId, next++)));
            }
            KafkaTestClient.publish(beat);
            Thread.sleep(500);
        }
        given().get("/api/runs/" + runId).then().statusCode(200)
                .body("state", equalTo("RUNNING"))
                .body("worker", equalTo("trainer-b"));
        await().atMost(Duration.ofSeconds(30)).until(() -> PrometheusText.sample(
                given().get("/q/metrics").then().extract().asString(), "preflight_train_steps_total", runId, "mlp") == 8.0);
        String scrape = given().get("/q/metrics").then().extract().asString();
        // One series each (sample() asserts exactly one), counting distinct steps: the replayed 5 and 6 count once.
        assertEquals(8.0, PrometheusText.sample(scrape, "preflight_train_step", runId, "mlp"));
        assertEquals(1.0 / 8, PrometheusText.sample(scrape, "preflight_train_loss", runId, "mlp"), 1e-12);

        // It ends and releases its lease: no longer watched, never declared lost afterwards.
        KafkaTestClient.publish(List.of(
                record(Topics.RUN_EVENTS, runId, new RunEvent(runId, RunEvent.Type.FINISHED, 8, "done", "trainer-b", System.currentTimeMillis())),
                record(Topics.LEASES, runId, null)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/runs/" + runId).then().body("state", equalTo("FINISHED")));
        Thread.sleep(LOST_AFTER.multipliedBy(2).toMillis());
        given().get("/api/runs/" + runId).then().body("state", equalTo("FINISHED"));
        assertFalse(KafkaTestClient.anyRecord(Topics.RUN_EVENTS, r -> runId.equals(r.key())
                && RunEvent.decode(r.value()).type() == RunEvent.Type.LOST), "no LOST event for a run that was resumed and finished");
    }
}
