package io.zaps.connector.webhook;

import io.zaps.testkit.TestHttpServer;
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
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.Environment;
import org.springframework.kafka.test.context.EmbeddedKafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static io.zaps.testkit.TestHttpServer.respond;
import static org.assertj.core.api.Assertions.assertThat;

/** The whole connector on a real KRaft broker calling a real local HTTP server. */
@SpringBootTest(classes = WebhookConnectorApplication.class,
        properties = {"spring.config.name=connector-webhook", "zaps.kafka.partitions=2", "zaps.connector.concurrency=2"})
@EmbeddedKafka(partitions = 2)
@ExtendWith(OutputCaptureExtension.class)
class WebhookConnectorKafkaTest {
    private static final Duration AT_MOST = Duration.ofSeconds(60);

    private final String bootstrapServers;
    private final Environment environment;
    private TestHttpServer server;
    private KafkaProbe probe;

    @Autowired
    WebhookConnectorKafkaTest(@Value("${spring.kafka.bootstrap-servers}") String bootstrapServers, Environment environment) {
        this.bootstrapServers = bootstrapServers;
        this.environment = environment;
    }

    @BeforeEach
    void start() throws IOException {
        server = new TestHttpServer().route("/hook", exchange -> respond(exchange, 200, "application/json", "{\"received\": true}"));
        probe = new KafkaProbe(bootstrapServers, Topics.RUN_COMMANDS, Topics.deadLetter(Topics.stepRequests("webhook")));
    }

    @AfterEach
    void stop() {
        probe.close();
        server.close();
    }

    @Test
    void executesARequestAndAnswersOnRunCommands(CapturedOutput output) throws Exception {
        String run = UUID.randomUUID().toString();
        probe.send(Topics.stepRequests("webhook"), run, Json.toBytes(request(run, server.url("/hook"))));

        ConsumerRecord<String, byte[]> record = probe.await(Topics.RUN_COMMANDS, r -> run.equals(r.key()), AT_MOST);

        CompleteStep answer = (CompleteStep) Json.read(record.value(), RunCommand.class);
        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.SUCCEEDED);
        assertThat(answer.idempotencyKey()).isEqualTo(Ids.idempotencyKey(run, "notify", 1));
        assertThat(answer.output().get("response").get("body").get("received").booleanValue()).isTrue();
        assertThat(answer.startedAt()).isNotNull();
        assertThat(answer.finishedAt()).isAfterOrEqualTo(answer.startedAt());
        assertThat(server.received()).singleElement().satisfies(call -> {
            assertThat(call.header("Idempotency-Key")).isEqualTo(Ids.idempotencyKey(run, "notify", 1));
            assertThat(call.header("X-Zaps-Run-Id")).isEqualTo(run);
        });
        assertThat(output).contains("zaps connector-webhook ready");
        assertThat(environment.getProperty("spring.application.name")).as("connector-webhook.yml is loaded").isEqualTo("connector-webhook");
    }

    @Test
    void aRateLimitsRetryAfterTravelsOnTheAnswer() throws Exception {
        server.route("/limited", exchange -> {
            exchange.getResponseHeaders().add("Retry-After", "42");
            respond(exchange, 429, null, "");
        });
        String run = UUID.randomUUID().toString();
        probe.send(Topics.stepRequests("webhook"), run, Json.toBytes(request(run, server.url("/limited"))));

        ConsumerRecord<String, byte[]> record = probe.await(Topics.RUN_COMMANDS, r -> run.equals(r.key()), AT_MOST);

        assertThat(new String(record.value(), StandardCharsets.UTF_8)).contains("\"retry_after_seconds\":42");
        CompleteStep answer = (CompleteStep) Json.read(record.value(), RunCommand.class);
        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.FAILED);
        assertThat(answer.retryable()).isTrue();
        assertThat(answer.retryAfterSeconds()).isEqualTo(42L);
    }

    @Test
    void deadLettersAMalformedRecordAndProcessesTheNextOne() throws Exception {
        String bad = UUID.randomUUID().toString();
        String good = UUID.randomUUID().toString();
        probe.send(Topics.stepRequests("webhook"), bad, "not json".getBytes(StandardCharsets.UTF_8));
        probe.send(Topics.stepRequests("webhook"), bad, Json.toBytes(request(good, server.url("/hook"))));
        probe.send(Topics.stepRequests("webhook"), good, Json.toBytes(request(good, server.url("/hook"))));

        ConsumerRecord<String, byte[]> dead = probe.await(Topics.deadLetter(Topics.stepRequests("webhook")), r -> bad.equals(r.key()), AT_MOST);
        assertThat(new String(dead.headers().lastHeader(Topics.HEADER_DLT_SOURCE_TOPIC).value(), StandardCharsets.UTF_8))
                .isEqualTo(Topics.stepRequests("webhook"));
        assertThat(dead.headers().lastHeader(Topics.HEADER_DLT_REASON)).isNotNull();
        probe.await(Topics.deadLetter(Topics.stepRequests("webhook")), r -> bad.equals(r.key())
                && new String(r.headers().lastHeader(Topics.HEADER_DLT_REASON).value(), StandardCharsets.UTF_8).contains("keyed by run id"), AT_MOST);

        ConsumerRecord<String, byte[]> record = probe.await(Topics.RUN_COMMANDS, r -> good.equals(r.key()), AT_MOST);
        assertThat(((CompleteStep) Json.read(record.value(), RunCommand.class)).outcome()).isEqualTo(CompleteStep.Outcome.SUCCEEDED);
        assertThat(server.received()).hasSize(1);
    }

    private static ExecuteStep request(String run, String url) {
        Instant now = Instant.now();
        return new ExecuteStep(1, run, "wf", "notify", "webhook", 1, Ids.idempotencyKey(run, "notify", 1),
                Json.object().put("url", url), now, now.plusSeconds(300));
    }
}
