package io.zaps.executor;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.workflow.RetryPolicy;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.executor.stream.ExecutorStreams;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.zaps.executor.KafkaTestSupport.newRunId;
import static io.zaps.executor.KafkaTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An executor that takes over a partition with a backlog reads the results that reached {@code zaps.run-commands}
 * before an attempt's deadline before it times the attempt out (the scale-out proof's run 4: 48 runs failed
 * {@code timed_out} although the connector had answered, because the task that took over fired the overdue timeouts at
 * its first wall-clock punctuation). Here the answer sits unread behind a backlog while no executor runs, the deadline
 * passes, and a fresh executor (no local state: it restores from the changelog, as one taking over does) starts.
 */
class AttemptTimeoutAfterTakeoverIntegrationTest {
    private static final int BACKLOG = 2_000;

    @TempDir
    Path tempDir;

    @Test
    void anAnswerQueuedBeforeTheDeadlineCompletesTheStepAlthoughTheDeadlinePassedBeforeTheExecutorReadIt() throws Exception {
        EmbeddedKafkaKraftBroker broker = KafkaTestSupport.startBroker();
        ConfigurableApplicationContext second = null;
        try (KafkaProducer<String, byte[]> producer = KafkaTestSupport.producer(broker.getBrokersAsString())) {
            String servers = broker.getBrokersAsString();
            ConfigurableApplicationContext first = executor(servers, tempDir.resolve("first"));
            try (KafkaTestSupport.Collector collector = new KafkaTestSupport.Collector(servers, Topics.RUN_EVENTS, Topics.stepRequests("webhook"))) {
                String runId = newRunId();
                StartRun start = webhookOnly(runId);
                send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(start));
                ExecuteStep request = Json.read(await("the webhook attempt dispatched").atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> collector.records(Topics.stepRequests("webhook"), runId), list -> !list.isEmpty())
                        .get(0).value(), ExecuteStep.class);
                first.close();
                assertThat(Instant.now()).as("stopped before the deadline").isBefore(request.deadline());

                // A backlog ahead of the answer (duplicate starts: read and ignored), then the answer, all before the deadline.
                byte[] duplicate = Json.toBytes(start);
                for (int i = 0; i < BACKLOG; i++) {
                    producer.send(new ProducerRecord<>(Topics.RUN_COMMANDS, runId, duplicate));
                }
                send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(new CompleteStep(SchemaVersions.CURRENT, runId, "notify", 1,
                        request.idempotencyKey(), CompleteStep.Outcome.SUCCEEDED, Json.object().put("status_code", 200), null, false,
                        Instant.now(), Instant.now())));
                assertThat(Instant.now()).as("answered before the deadline").isBefore(request.deadline());

                // No executor reads the partition until the deadline has passed on the wall clock.
                await("the deadline passed").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> Instant.now().isAfter(request.deadline().plusMillis(500)));
                second = executor(servers, tempDir.resolve("second"));

                List<RunEvent> events = await("the run ended").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                        .until(() -> collector.events(runId), list -> list.stream().anyMatch(e -> e.run().status().isFinal()));
                assertThat(events).extracting(RunEvent::type).as("the queued answer, not the overdue timeout, ended the attempt")
                        .containsExactly(RunEventType.RUN_STARTED, RunEventType.STEP_STARTED, RunEventType.STEP_SUCCEEDED,
                                RunEventType.RUN_COMPLETED);
            }
        } finally {
            if (second != null) {
                second.close();
            }
            broker.destroy();
        }
    }

    /** An executor with a short deadline grace: the attempt's deadline is 5 s after its dispatch (1 s timeout + 4 s). */
    private static ConfigurableApplicationContext executor(String servers, Path stateDir) {
        ConfigurableApplicationContext context = ExecutorApplication.application().run(
                "--zaps.executor.bootstrap-servers=" + servers,
                "--zaps.executor.state-dir=" + stateDir,
                "--zaps.executor.partitions=2",
                "--zaps.executor.deadline-grace=4s");
        ExecutorStreams streams = context.getBean(ExecutorStreams.class);
        await("executor streams running").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> streams.state() == KafkaStreams.State.RUNNING);
        return context;
    }

    /** One webhook step: a 1 s timeout, no retries. */
    private static StartRun webhookOnly(String runId) {
        WorkflowDefinition workflow = new WorkflowDefinition("notify_once", "Notify once", null, "notify", WorkflowStatus.ACTIVE, List.of(
                new StepDefinition("notify", "webhook", Json.object().put("url", "http://127.0.0.1:9/notify").put("timeout_seconds", 1),
                        null, new RetryPolicy(1, 1.0, 2.0, 1.0, 0.0), null)), 1, Instant.now(), Instant.now());
        return new StartRun(SchemaVersions.CURRENT, runId, workflow, Json.object(), "evt-" + runId, Instant.now());
    }
}
