package io.zaps.connector;

import io.zaps.testkit.KafkaProbe;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.RunCommand;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.test.context.EmbeddedKafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(classes = ConnectorKitKafkaTest.EchoConnector.class)
@EmbeddedKafka(partitions = 2)
class ConnectorKitKafkaTest {
    private static final Duration AT_MOST = Duration.ofSeconds(60);

    private final String bootstrapServers;
    private final StepListenerContainers containers;
    private KafkaProbe probe;

    @Autowired
    ConnectorKitKafkaTest(@Value("${spring.kafka.bootstrap-servers}") String bootstrapServers, StepListenerContainers containers) {
        this.bootstrapServers = bootstrapServers;
        this.containers = containers;
    }

    @BeforeEach
    void openProbe() {
        probe = new KafkaProbe(bootstrapServers, Topics.RUN_COMMANDS, Topics.deadLetter(Topics.stepRequests("webhook")));
    }

    @AfterEach
    void closeProbe() {
        probe.close();
    }

    @Test
    void consumesItsTypesRequestTopicInItsOwnGroup() {
        assertThat(containers.containers()).singleElement().satisfies(container -> {
            assertThat(container.getGroupId()).isEqualTo("zaps-connector-webhook");
            assertThat(container.getContainerProperties().getTopics()).containsExactly("zaps.step-requests.webhook");
            assertThat(container.getConcurrency()).isEqualTo(2);
            assertThat(container.isRunning()).isTrue();
        });
    }

    @Test
    void answersARequestWithCompleteStepKeyedByRunId() throws Exception {
        String run = UUID.randomUUID().toString();
        probe.send(Topics.stepRequests("webhook"), run, Json.toBytes(request(run, "hello")));

        ConsumerRecord<String, byte[]> record = probe.await(Topics.RUN_COMMANDS, r -> run.equals(r.key()), AT_MOST);

        CompleteStep answer = (CompleteStep) Json.read(record.value(), RunCommand.class);
        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.SUCCEEDED);
        assertThat(answer.idempotencyKey()).isEqualTo(Ids.idempotencyKey(run, "notify", 1));
        assertThat(answer.output().get("echo").stringValue()).isEqualTo("hello");
    }

    @Test
    void aThrowingHandlerAnswersAPermanentFailure() throws Exception {
        String run = UUID.randomUUID().toString();
        probe.send(Topics.stepRequests("webhook"), run, Json.toBytes(request(run, "throw")));

        ConsumerRecord<String, byte[]> record = probe.await(Topics.RUN_COMMANDS, r -> run.equals(r.key()), AT_MOST);

        CompleteStep answer = (CompleteStep) Json.read(record.value(), RunCommand.class);
        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.FAILED);
        assertThat(answer.retryable()).isFalse();
        assertThat(answer.error()).contains("asked to throw");
    }

    @Test
    void deadLettersAMalformedRecordAndGoesOn() throws Exception {
        String bad = UUID.randomUUID().toString();
        String good = UUID.randomUUID().toString();
        probe.send(Topics.stepRequests("webhook"), bad, "{\"type\": \"execute_step\", \"run_id\": 42".getBytes(StandardCharsets.UTF_8));
        probe.send(Topics.stepRequests("webhook"), bad, Json.toBytes(request(UUID.randomUUID().toString(), "wrong key")));
        probe.send(Topics.stepRequests("webhook"), good, Json.toBytes(request(good, "after")));

        ConsumerRecord<String, byte[]> dead = probe.await(Topics.deadLetter(Topics.stepRequests("webhook")),
                r -> bad.equals(r.key()), AT_MOST);
        assertThat(new String(dead.headers().lastHeader(Topics.HEADER_DLT_REASON).value(), StandardCharsets.UTF_8))
                .isNotBlank();
        probe.await(Topics.deadLetter(Topics.stepRequests("webhook")),
                r -> bad.equals(r.key()) && new String(r.headers().lastHeader(Topics.HEADER_DLT_REASON).value(),
                        StandardCharsets.UTF_8).contains("keyed by run id"), AT_MOST);
        probe.await(Topics.RUN_COMMANDS, r -> good.equals(r.key()), AT_MOST);
    }

    private static ExecuteStep request(String run, String message) {
        Instant now = Instant.now();
        return new ExecuteStep(1, run, "wf", "notify", "webhook", 1, Ids.idempotencyKey(run, "notify", 1),
                Json.object().put("message", message), now, now.plusSeconds(300));
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class EchoConnector {
        @Bean
        StepHandler echoHandler() {
            return new StepHandler() {
                @Override
                public String type() {
                    return "webhook";
                }

                @Override
                public StepOutcome handle(ExecuteStep request) {
                    String message = request.config().get("message").stringValue();
                    if (message.equals("throw")) {
                        throw new IllegalArgumentException("asked to throw");
                    }
                    return StepOutcome.succeeded(Json.object().put("echo", message));
                }
            };
        }
    }
}
