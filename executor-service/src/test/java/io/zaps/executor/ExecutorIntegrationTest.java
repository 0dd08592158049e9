package io.zaps.executor;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.workflow.OnFailure;
import io.zaps.contract.workflow.RetryPolicy;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import tools.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.zaps.executor.KafkaTestSupport.delayThenWebhook;
import static io.zaps.executor.KafkaTestSupport.newRunId;
import static io.zaps.executor.KafkaTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The executor as deployed, against a real KRaft broker: a whole run, and a malformed record. */
class ExecutorIntegrationTest {
    @TempDir
    static Path stateDir;

    private static EmbeddedKafkaKraftBroker broker;
    private static ConfigurableApplicationContext executor;
    private static KafkaProducer<String, byte[]> producer;
    private static KafkaTestSupport.Collector collector;

    @BeforeAll
    static void start() {
        broker = KafkaTestSupport.startBroker();
        String servers = broker.getBrokersAsString();
        executor = KafkaTestSupport.startExecutor(servers, stateDir);
        producer = KafkaTestSupport.producer(servers);
        collector = new KafkaTestSupport.Collector(servers,
                Topics.RUN_EVENTS, Topics.stepRequests("webhook"), Topics.deadLetter(Topics.RUN_COMMANDS), Topics.TRIGGERS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (collector != null) {
            collector.close();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (executor != null) {
            executor.close();
        }
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void delayThenWebhookRunsToCompletionThroughKafka() throws Exception {
        String runId = newRunId();
        Instant sent = Instant.now();
        send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(delayThenWebhook(runId, 2)));

        ConsumerRecord<String, byte[]> requestRecord = await("ExecuteStep on the webhook topic")
                .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.records(Topics.stepRequests("webhook"), runId), list -> !list.isEmpty())
                .get(0);
        ExecuteStep request = Json.read(requestRecord.value(), ExecuteStep.class);
        assertThat(request.stepId()).isEqualTo("send_reminder");
        assertThat(request.attempt()).isEqualTo(1);
        assertThat(request.idempotencyKey()).isEqualTo(runId + ":send_reminder:1");
        assertThat(request.config().get("body")).isEqualTo(Json.mapper().readTree("{\"to\": \"john@example.com\", \"amount\": \"$150.00\"}"));
        assertThat(request.requestedAt()).as("not before the delay was over").isAfterOrEqualTo(sent.plusSeconds(2).minusMillis(50));

        send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(new CompleteStep(SchemaVersions.CURRENT, runId, "send_reminder", 1,
                request.idempotencyKey(), CompleteStep.Outcome.SUCCEEDED,
                Json.mapper().readTree("{\"response\": {\"status_code\": 200}}"), null, false, Instant.now(), Instant.now())));

        List<RunEvent> events = await("run_completed on the run events topic")
                .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.events(runId), list -> list.stream().anyMatch(e -> e.type() == RunEventType.RUN_COMPLETED));
        assertThat(events).extracting(RunEvent::type).containsExactly(
                RunEventType.RUN_STARTED, RunEventType.STEP_STARTED, RunEventType.STEP_SUCCEEDED,
                RunEventType.STEP_STARTED, RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
        assertThat(events).extracting(e -> e.run().revision()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(events.get(5).run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(events.get(4).run().steps().get("send_reminder").output().get("response").get("status_code").intValue()).isEqualTo(200);
    }

    @Test
    void aRetryableFailureIsRetriedWithANewIdempotencyKeyAfterTheBackoff() throws Exception {
        String runId = newRunId();
        ObjectNode webhook = Json.object().put("url", "http://127.0.0.1:8001/notify");
        WorkflowDefinition workflow = new WorkflowDefinition("retrying", "Retrying", null, "send", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("send", "webhook", webhook, null, new RetryPolicy(3, 1.0, 2.0, 10.0, 0.0), null)),
                1, Instant.now(), Instant.now());
        send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(new StartRun(SchemaVersions.CURRENT, runId, workflow,
                Json.object(), "evt-" + runId, Instant.now())));

        ExecuteStep first = Json.read(await("attempt 1 dispatched")
                .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.records(Topics.stepRequests("webhook"), runId), list -> !list.isEmpty())
                .get(0).value(), ExecuteStep.class);
        assertThat(first.attempt()).isEqualTo(1);
        Instant failedAt = Instant.now();
        send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(new CompleteStep(SchemaVersions.CURRENT, runId, "send", 1,
                first.idempotencyKey(), CompleteStep.Outcome.FAILED, Json.object().put("status_code", 503),
                "HTTP 503 Service Unavailable", true, failedAt, failedAt)));

        ExecuteStep second = Json.read(await("attempt 2 dispatched after the backoff")
                .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.records(Topics.stepRequests("webhook"), runId), list -> list.size() >= 2)
                .get(1).value(), ExecuteStep.class);
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(second.idempotencyKey()).isEqualTo(runId + ":send:2").isNotEqualTo(first.idempotencyKey());
        assertThat(second.requestedAt()).as("not before the 1 s backoff").isAfterOrEqualTo(failedAt.plusSeconds(1).minusMillis(50));

        send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(new CompleteStep(SchemaVersions.CURRENT, runId, "send", 2,
                second.idempotencyKey(), CompleteStep.Outcome.SUCCEEDED, Json.object().put("status_code", 200), null, false,
                Instant.now(), Instant.now())));
        List<RunEvent> events = await("run_completed")
                .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.events(runId), list -> list.stream().anyMatch(e -> e.type() == RunEventType.RUN_COMPLETED));
        assertThat(events).extracting(RunEvent::type).containsExactly(
                RunEventType.RUN_STARTED, RunEventType.STEP_STARTED, RunEventType.STEP_RETRY_SCHEDULED,
                RunEventType.STEP_STARTED, RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
        assertThat(events.get(5).run().steps().get("send").attempts()).extracting(StepAttempt::outcome)
                .containsExactly(StepAttempt.Outcome.FAILED, StepAttempt.Outcome.SUCCEEDED);
    }

    @Test
    void aFailedRunsErrorWorkflowTriggerIsPublishedOnTheTriggersTopicOnce() throws Exception {
        String runId = newRunId();
        WorkflowDefinition workflow = new WorkflowDefinition("charging", "Charging", null, "charge", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("charge", "webhook", Json.object().put("url", "http://127.0.0.1:8001/charge"), null)),
                2, Instant.now(), Instant.now(), null, null, new OnFailure("alert_ops"));
        send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(new StartRun(SchemaVersions.CURRENT, runId, workflow,
                Json.object(), "evt-" + runId, Instant.now(), "api")));
        await("attempt 1 dispatched").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.records(Topics.stepRequests("webhook"), runId), list -> !list.isEmpty());
        byte[] failed = Json.toBytes(new CompleteStep(SchemaVersions.CURRENT, runId, "charge", 1, runId + ":charge:1",
                CompleteStep.Outcome.FAILED, null, "HTTP 402", false, Instant.now(), Instant.now()));
        send(producer, Topics.RUN_COMMANDS, runId, failed);
        send(producer, Topics.RUN_COMMANDS, runId, failed); // a redelivery

        String eventId = "on_failure:" + runId + ":1";
        String errorRunId = Ids.runIdForEvent(eventId);
        ConsumerRecord<String, byte[]> record = await("the error workflow's trigger")
                .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.records(Topics.TRIGGERS, errorRunId), list -> !list.isEmpty()).get(0);
        TriggerRequested trigger = Json.read(record.value(), TriggerRequested.class).validated();
        assertThat(trigger.workflowId()).isEqualTo("alert_ops");
        assertThat(trigger.eventId()).isEqualTo(eventId);
        assertThat(trigger.source()).isEqualTo("on_failure");
        assertThat(trigger.context().get("failed_run_id").stringValue()).isEqualTo(runId);
        assertThat(trigger.context().get("workflow_version").intValue()).isEqualTo(2);
        assertThat(trigger.context().get("step_id").stringValue()).isEqualTo("charge");

        // A retry_run after the redelivery: once it shows, the redelivery was processed, and left no second trigger.
        send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(new RetryRun(SchemaVersions.CURRENT, runId, Instant.now(), null)));
        await("run_retried").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.events(runId), list -> list.stream().anyMatch(e -> e.type() == RunEventType.RUN_RETRIED));
        assertThat(collector.records(Topics.TRIGGERS, errorRunId)).hasSize(1);

        // The retried run fails again: a new error run.
        send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(new CompleteStep(SchemaVersions.CURRENT, runId, "charge", 2,
                runId + ":charge:2", CompleteStep.Outcome.FAILED, null, "HTTP 402", false, Instant.now(), Instant.now())));
        String secondErrorRun = Ids.runIdForEvent("on_failure:" + runId + ":2");
        await("the second failure's trigger").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.records(Topics.TRIGGERS, secondErrorRun), list -> !list.isEmpty());
        assertThat(collector.records(Topics.TRIGGERS, errorRunId)).hasSize(1);
    }

    @Test
    void aDuplicateStartAfterTheRunCompletedStartsNothing() throws Exception {
        String runId = newRunId();
        StartRun start = delayThenWebhook(runId, 1);
        send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(start));
        ExecuteStep request = Json.read(await("the webhook dispatched after the delay")
                .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.records(Topics.stepRequests("webhook"), runId), list -> !list.isEmpty())
                .get(0).value(), ExecuteStep.class);
        send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(new CompleteStep(SchemaVersions.CURRENT, runId, "send_reminder", 1,
                request.idempotencyKey(), CompleteStep.Outcome.SUCCEEDED, Json.object(), null, false, Instant.now(), Instant.now())));
        await("run_completed").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.events(runId), list -> list.stream().anyMatch(e -> e.type() == RunEventType.RUN_COMPLETED));

        send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(start));
        // A run on the same partition, sent after the duplicate: once it has started, the duplicate was processed.
        String marker = KafkaTestSupport.runIdOnSamePartition(runId, 2);
        send(producer, Topics.RUN_COMMANDS, marker, Json.toBytes(delayThenWebhook(marker, 60)));
        await("the marker run started").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.events(marker), list -> !list.isEmpty());

        assertThat(collector.events(runId)).as("nothing after run_completed").hasSize(6)
                .last().extracting(RunEvent::type).isEqualTo(RunEventType.RUN_COMPLETED);
        assertThat(collector.records(Topics.stepRequests("webhook"), runId)).hasSize(1);
    }

    @Test
    void malformedRecordGoesToTheDeadLetterTopicAndTheNextOneIsProcessed() throws Exception {
        String runId = newRunId();
        send(producer, Topics.RUN_COMMANDS, runId, "{\"type\": \"start_run\", \"schema_version\": ".getBytes(StandardCharsets.UTF_8));
        StartRun good = delayThenWebhook(runId, 60);
        send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(good));

        ConsumerRecord<String, byte[]> dead = await("the malformed record on the DLT")
                .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.records(Topics.deadLetter(Topics.RUN_COMMANDS), runId), list -> !list.isEmpty())
                .get(0);
        assertThat(header(dead, Topics.HEADER_DLT_REASON)).startsWith("cannot read RunCommand");
        assertThat(header(dead, Topics.HEADER_DLT_SOURCE_TOPIC)).isEqualTo(Topics.RUN_COMMANDS);
        assertThat(header(dead, Topics.HEADER_DLT_SOURCE_PARTITION)).matches("[01]");
        assertThat(header(dead, Topics.HEADER_DLT_SOURCE_OFFSET)).matches("\\d+");
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).startsWith("{\"type\": \"start_run\"");

        List<RunEvent> events = await("the good record after it is processed")
                .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> collector.events(runId), list -> list.size() >= 2);
        assertThat(events).extracting(RunEvent::type).containsExactly(RunEventType.RUN_STARTED, RunEventType.STEP_STARTED);
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
