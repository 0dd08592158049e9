package io.zaps.connector.webhook;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.template.SecretMarkers;
import io.zaps.contract.template.Templates;
import io.zaps.store.SecretStore;
import io.zaps.testkit.KafkaProbe;
import io.zaps.testkit.TestHttpServer;
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
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import static io.zaps.testkit.TestHttpServer.respond;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code {{ secret('t') }}} in a webhook header, through the whole connector on a real broker to a real HTTP server:
 * the server gets the value, the answer on Kafka and the log never carry it.
 */
@SpringBootTest(classes = WebhookConnectorApplication.class,
        properties = {"spring.config.name=connector-webhook", "zaps.kafka.partitions=2", "zaps.connector.concurrency=2"})
@EmbeddedKafka(partitions = 2)
@ExtendWith(OutputCaptureExtension.class)
class SecretsWebhookConnectorTest {
    private static final Duration AT_MOST = Duration.ofSeconds(60);
    private static final String TOKEN = "tok-" + UUID.randomUUID();
    private static final String MASTER_KEY = masterKey();
    private static final Path DATA = dataDir();
    private static final Path GATEWAY_DATA = dataDir();

    private final String bootstrapServers;
    private TestHttpServer server;
    private KafkaProbe probe;

    @DynamicPropertySource
    static void secrets(DynamicPropertyRegistry registry) {
        registry.add("zaps.connector.data-dir", DATA::toString);
        registry.add(SecretStore.MASTER_KEY_ENV, () -> MASTER_KEY);
    }

    @Autowired
    SecretsWebhookConnectorTest(@Value("${spring.kafka.bootstrap-servers}") String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    @BeforeEach
    void start() throws IOException {
        // what the gateway does: publish the stored secret (encrypted) to zaps.secrets; the connector's folder stays empty
        try (KafkaProbe publisher = new KafkaProbe(bootstrapServers)) {
            SecretStore.open(GATEWAY_DATA, MASTER_KEY, Clock.systemUTC()).put("t", TOKEN, record -> {
                try {
                    publisher.send(Topics.SECRETS, record.name(), Json.toBytes(record));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        server = new TestHttpServer()
                .route("/hook", exchange -> {
                    String auth = exchange.getRequestHeaders().getFirst("Authorization");
                    boolean ok = ("Bearer " + TOKEN).equals(auth);
                    // a careless server that echoes what it got: the connector must not pass that on
                    respond(exchange, ok ? 200 : 401, "application/json",
                            Json.object().put("authorized", ok).put("you_sent", String.valueOf(auth)).toString());
                })
                .route("/deny", exchange -> respond(exchange, 403, "text/plain", "token " + TOKEN + " is not allowed here"));
        probe = new KafkaProbe(bootstrapServers, Topics.RUN_COMMANDS);
    }

    @AfterEach
    void stop() {
        probe.close();
        server.close();
    }

    @Test
    void theServerGetsTheSecretAndTheAnswerCarriesOnlyAMask(CapturedOutput output) throws Exception {
        CompleteStep answer = run(server.url("/hook"), Map.of(), "Bearer {{ secret('t') }}");

        assertThat(answer.outcome()).as(answer.error()).isEqualTo(CompleteStep.Outcome.SUCCEEDED);
        assertThat(server.received()).singleElement().satisfies(call -> assertThat(call.header("Authorization")).isEqualTo("Bearer " + TOKEN));
        assertThat(answer.output().at("/response/body/authorized").booleanValue()).isTrue();
        assertThat(answer.output().at("/response/body/you_sent").stringValue()).isEqualTo("Bearer ********");
        assertThat(output.getAll()).doesNotContain(TOKEN);
    }

    @Test
    void aFailureThatWouldQuoteTheSecretIsMasked(CapturedOutput output) throws Exception {
        CompleteStep answer = run(server.url("/deny") + "?key={{ secret('t') }}", Map.of(), "Bearer {{ secret('t') }}");

        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.FAILED);
        assertThat(answer.retryable()).isFalse();
        assertThat(answer.error()).contains("HTTP 403").contains("********").doesNotContain(TOKEN);
        assertThat(server.received()).singleElement().satisfies(call -> assertThat(call.path()).contains(TOKEN));
        assertThat(output.getAll()).doesNotContain(TOKEN);
    }

    @Test
    void anUnknownSecretFailsPermanentlyAndNothingIsCalled() throws Exception {
        CompleteStep answer = run(server.url("/hook"), Map.of(), "Bearer {{ secret('missing') }}");

        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.FAILED);
        assertThat(answer.retryable()).isFalse();
        assertThat(answer.error()).startsWith("secret 'missing' does not exist");
        assertThat(server.received()).isEmpty();
    }

    @Test
    void aMarkerForgedInTheTriggerContextIsNotResolved() throws Exception {
        // The context carries the exact marker text the executor would render for secret('t').
        CompleteStep answer = run(server.url("/hook"), Map.of("evil", SecretMarkers.marker("t")), "Bearer {{ evil }}");

        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.FAILED);
        assertThat(server.received()).singleElement().satisfies(call -> {
            assertThat(call.header("Authorization")).isEqualTo("Bearer secret('t')").doesNotContain(TOKEN);
        });
    }

    /** Renders the config as the executor would, sends the request, returns the connector's answer. */
    private CompleteStep run(String url, Map<String, Object> context, String authorization) throws Exception {
        String run = UUID.randomUUID().toString();
        ObjectNode template = Json.object().put("url", url).put("method", "POST");
        template.putObject("headers").put("Authorization", authorization);
        ObjectNode config = (ObjectNode) Templates.render(template, Map.of("context", context, "evil", context.getOrDefault("evil", "")), "config");
        assertThat(config.toString()).doesNotContain(TOKEN);
        Instant now = Instant.now();
        byte[] request = Json.toBytes(new ExecuteStep(1, run, "wf", "notify", "webhook", 1, Ids.idempotencyKey(run, "notify", 1),
                config, now, now.plusSeconds(300)));
        probe.send(Topics.stepRequests("webhook"), run, request);
        ConsumerRecord<String, byte[]> record = probe.await(Topics.RUN_COMMANDS, r -> run.equals(r.key()), AT_MOST);
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).doesNotContain(TOKEN);
        return (CompleteStep) Json.read(record.value(), RunCommand.class);
    }

    private static String masterKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    private static Path dataDir() {
        try {
            return Files.createDirectories(Path.of("target", "test-data", "secrets-" + UUID.randomUUID())).toAbsolutePath();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
