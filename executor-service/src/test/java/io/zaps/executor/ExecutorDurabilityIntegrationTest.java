package io.zaps.executor;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.StepState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.util.FileSystemUtils;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.zaps.executor.KafkaTestSupport.delayThenWebhook;
import static io.zaps.executor.KafkaTestSupport.newRunId;
import static io.zaps.executor.KafkaTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A delay survives the executor stopping and losing its local state: run and timer come back from the changelog. */
class ExecutorDurabilityIntegrationTest {
    @TempDir
    Path tempDir;

    @Test
    void aDelayCompletesOnTimeAfterARestartWithoutLocalState() throws Exception {
        EmbeddedKafkaKraftBroker broker = KafkaTestSupport.startBroker();
        Path stateDir = tempDir.resolve("state");
        ConfigurableApplicationContext second = null;
        try (KafkaProducer<String, byte[]> producer = KafkaTestSupport.producer(broker.getBrokersAsString())) {
            String servers = broker.getBrokersAsString();
            ConfigurableApplicationContext first = KafkaTestSupport.startExecutor(servers, stateDir);
            try (KafkaTestSupport.Collector collector = new KafkaTestSupport.Collector(servers, Topics.RUN_EVENTS, Topics.stepRequests("webhook"))) {
                String runId = newRunId();
                send(producer, Topics.RUN_COMMANDS, runId, Json.toBytes(delayThenWebhook(runId, 4)));
                List<RunEvent> before = await("the delay started").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                        .until(() -> collector.events(runId), list -> list.size() >= 2);
                Instant dueAt = before.get(1).run().steps().get("delay_step").startTime().plusSeconds(4);

                first.close();
                assertThat(Instant.now()).as("stopped mid-delay").isBefore(dueAt);
                FileSystemUtils.deleteRecursively(stateDir);
                assertThat(Files.exists(stateDir)).isFalse();

                second = KafkaTestSupport.startExecutor(servers, stateDir);

                List<RunEvent> events = await("the delay completed after the restart").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                        .until(() -> collector.events(runId), list -> list.stream().anyMatch(e -> e.type() == RunEventType.STEP_SUCCEEDED));
                assertThat(events).extracting(RunEvent::type).startsWith(
                        RunEventType.RUN_STARTED, RunEventType.STEP_STARTED, RunEventType.STEP_SUCCEEDED);
                assertThat(events).filteredOn(e -> e.type() == RunEventType.RUN_STARTED).as("the run was restored, not restarted").hasSize(1);
                RunEvent succeeded = events.get(2);
                assertThat(succeeded.run().revision()).isEqualTo(3);
                StepState delay = succeeded.run().steps().get("delay_step");
                Instant due = Instant.parse(delay.output().get("due_at").stringValue());
                Instant fired = Instant.parse(delay.output().get("fired_at").stringValue());
                assertThat(due).isEqualTo(dueAt);
                LoggerFactory.getLogger(getClass()).info("timer due {} fired {} ({} ms late) after a restart without local state",
                        due, fired, Duration.between(due, fired).toMillis());
                assertThat(Duration.between(due, fired)).as("fired within 1 s of its due time")
                        .isBetween(Duration.ZERO, Duration.ofSeconds(1));

                await("the run went on to the webhook").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                        .until(() -> collector.records(Topics.stepRequests("webhook"), runId), list -> list.size() == 1);
            }
        } finally {
            if (second != null) {
                second.close();
            }
            broker.destroy();
        }
    }
}
