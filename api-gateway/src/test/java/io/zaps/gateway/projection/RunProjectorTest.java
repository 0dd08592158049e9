package io.zaps.gateway.projection;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.gateway.GatewayTestSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RunProjectorTest extends GatewayTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void keepsTheHighestRevisionDeadLettersAMalformedRecordAndGoesOn() throws Exception {
        String workflowId = uniqueId("projected");
        String runId = UUID.randomUUID().toString();
        Instant created = Instant.parse("2030-01-01T00:00:00Z");

        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (long revision : new long[] {1, 3, 2}) {
                producer.send(event(runId, workflowId, revision, created)).get();
            }
            await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
                Response run = get("/api/runs/" + runId);
                assertThat(run.status()).isEqualTo(200);
                assertThat(run.json().get("revision").longValue()).isEqualTo(3);
            });
            Thread.sleep(300); // give a late revision 2 the chance to (wrongly) win
            assertThat(get("/api/runs/" + runId).json().get("revision").longValue()).isEqualTo(3);

            byte[] malformed = "{\"type\": \"run_started\", \"run\": ".getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(Topics.RUN_EVENTS, runId, malformed)).get();
            producer.send(event(runId, workflowId, 4, created)).get();
        }

        ConsumerRecord<String, byte[]> dead = awaitRecord(Topics.deadLetter(Topics.RUN_EVENTS), r -> runId.equals(r.key()), WAIT);
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).startsWith("{\"type\": \"run_started\"");
        Header reason = dead.headers().lastHeader(Topics.HEADER_DLT_REASON);
        assertThat(reason).isNotNull();
        assertThat(new String(reason.value(), StandardCharsets.UTF_8)).contains("RunEvent");
        assertThat(dead.headers().lastHeader(Topics.HEADER_DLT_SOURCE_TOPIC).value()).isEqualTo(Topics.RUN_EVENTS.getBytes(StandardCharsets.UTF_8));

        await().atMost(WAIT).ignoreExceptions().untilAsserted(() ->
                assertThat(get("/api/runs/" + runId).json().get("revision").longValue()).isEqualTo(4));
        Response run = get("/api/runs/" + runId);
        assertThat(run.json().get("status").stringValue()).isEqualTo("running");
        assertThat(run.json().get("steps").get("wait").get("status").stringValue()).isEqualTo("running");
        assertThat(run.json().get("workflow_id").stringValue()).isEqualTo(workflowId);

        // the workflow itself was never created here, yet its runs are listed: runs outlive definitions
        Response list = get("/api/workflows/" + workflowId + "/runs");
        assertThat(list.status()).isEqualTo(404);
        assertThat(post("/api/workflows", workflowJson(workflowId, "active")).status()).isEqualTo(201);
        Response listed = get("/api/workflows/" + workflowId + "/runs");
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.json().valueStream().map(r -> r.get("run_id").stringValue())).containsExactly(runId);
    }

    /** The projector commits once a second, not per poll: the last event before a quiet spell still gets its offset committed. */
    @Test
    void theOffsetOfTheLastEventIsCommittedWithinTheCommitIntervalThoughNoMoreCome() throws Exception {
        String runId = UUID.randomUUID().toString();
        RecordMetadata sent;
        try (KafkaProducer<String, byte[]> producer = producer()) {
            sent = producer.send(event(runId, uniqueId("committed"), 1, Instant.now())).get();
        }
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(get("/api/runs/" + runId).status()).isEqualTo(200));

        TopicPartition partition = new TopicPartition(sent.topic(), sent.partition());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers))) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets("zaps-run-projector")
                        .partitionsToOffsetAndMetadata().get().get(partition);
                assertThat(committed).isNotNull();
                assertThat(committed.offset()).isGreaterThan(sent.offset());
            });
        }
    }

    @Test
    void aRunEventWithAnUnsafeWorkflowIdIsDeadLettered() throws Exception {
        String runId = UUID.randomUUID().toString();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(event(runId, "../../etc", 1, Instant.now())).get();
        }
        ConsumerRecord<String, byte[]> dead = awaitRecord(Topics.deadLetter(Topics.RUN_EVENTS), r -> runId.equals(r.key()), WAIT);
        assertThat(new String(dead.headers().lastHeader(Topics.HEADER_DLT_REASON).value(), StandardCharsets.UTF_8)).contains("workflow_id");
        assertThat(get("/api/runs/" + runId).status()).isEqualTo(404);
    }

    @Test
    void picksTheNewestEventByItsHeadersAndChecksItAgainstTheBody() throws Exception {
        String workflowId = uniqueId("headed");
        String runId = UUID.randomUUID().toString();
        Instant created = Instant.parse("2030-01-01T00:00:00Z");
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (long revision : new long[] {2, 5, 3}) {
                producer.send(withHeaders(event(runId, workflowId, revision, created), Long.toString(revision))).get();
            }
            await().atMost(WAIT).ignoreExceptions().untilAsserted(() ->
                    assertThat(get("/api/runs/" + runId).json().get("revision").longValue()).isEqualTo(5));

            // Headers that lie about the body are malformed: the record is dead-lettered, the run unchanged.
            producer.send(withHeaders(event(runId, workflowId, 4, created), "9")).get();
            ConsumerRecord<String, byte[]> dead = awaitRecord(Topics.deadLetter(Topics.RUN_EVENTS), r -> runId.equals(r.key()), WAIT);
            assertThat(new String(dead.headers().lastHeader(Topics.HEADER_DLT_REASON).value(), StandardCharsets.UTF_8))
                    .contains(Topics.HEADER_REVISION);

            // A header that is not a number is no header: the record is read and judged by its body.
            producer.send(withHeaders(event(runId, workflowId, 6, created), "six")).get();
            producer.send(withHeaders(event(runId, workflowId, 7, created), "7")).get();
        }
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() ->
                assertThat(get("/api/runs/" + runId).json().get("revision").longValue()).isEqualTo(7));
        assertThat(get("/api/runs/" + runId).json().get("context").get("revision_seen").longValue()).isEqualTo(7);
    }

    private static ProducerRecord<String, byte[]> withHeaders(ProducerRecord<String, byte[]> record, String revision) {
        record.headers().add(Topics.HEADER_EVENT_TYPE, "step_started".getBytes(StandardCharsets.UTF_8));
        record.headers().add(Topics.HEADER_REVISION, revision.getBytes(StandardCharsets.UTF_8));
        return record;
    }

    @Test
    void aProjectedRunIsAnsweredFromTheStoreAndNoLongerFromTheGatewaysMemory() throws Exception {
        String workflowId = uniqueId("accepted");
        assertThat(post("/api/workflows", workflowJson(workflowId, "active")).status()).isEqualTo(201);
        Response accepted = post("/api/workflows/" + workflowId + "/trigger", "{}");
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        String runId = accepted.json().get("run_id").stringValue();
        assertThat(get("/api/runs/" + runId).json().get("revision").longValue()).as("pending, from memory").isZero();

        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(event(runId, workflowId, 1, Instant.parse(accepted.json().get("created_at").stringValue()))).get();
        }
        Path file = DATA_DIR.resolve("runs").resolve(runId + ".json");
        await().atMost(WAIT).untilAsserted(() -> assertThat(get("/api/runs/" + runId).json().get("revision").longValue()).isEqualTo(1));

        Files.delete(file); // as retention does: the run is gone, and the gateway must not bring back its pending snapshot
        assertThat(get("/api/runs/" + runId).status()).isEqualTo(404);
    }

    private static ProducerRecord<String, byte[]> event(String runId, String workflowId, long revision, Instant created) {
        StepState wait = StepState.pending("wait", "delay").running(1, Json.object().put("seconds", 5), created.plusSeconds(revision));
        RunSnapshot snapshot = new RunSnapshot(runId, workflowId, 1, RunStatus.RUNNING, created, created, null,
                created.plusSeconds(revision), Json.object().put("revision_seen", revision), Map.of("wait", wait), "wait", null, revision);
        RunEvent event = new RunEvent(RunEventType.STEP_STARTED, SchemaVersions.CURRENT, runId, "wait", created.plusSeconds(revision), snapshot);
        return new ProducerRecord<>(Topics.RUN_EVENTS, runId, Json.toBytes(event));
    }
}
