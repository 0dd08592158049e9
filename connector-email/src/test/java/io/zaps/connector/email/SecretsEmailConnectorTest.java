package io.zaps.connector.email;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.step.EmailSpec;
import io.zaps.contract.template.Templates;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.secret.SecretRecord;
import io.zaps.store.SecretStore;
import io.zaps.testkit.KafkaProbe;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code password: "{{ secret('smtp') }}"}: the connector logs in to a real SMTP server (GreenMail, authentication
 * required) with the stored value; the master key comes from the data folder's key file, as in {@code ./zaps up}.
 */
@SpringBootTest(classes = EmailConnectorApplication.class,
        properties = {"spring.config.name=connector-email", "zaps.kafka.partitions=2", "zaps.connector.concurrency=2"})
@EmbeddedKafka(partitions = 2)
@ExtendWith(OutputCaptureExtension.class)
class SecretsEmailConnectorTest {
    private static final Duration AT_MOST = Duration.ofSeconds(60);
    private static final String PASSWORD = "smtp-" + UUID.randomUUID();
    private static final String WRONG = "wrong-" + UUID.randomUUID();
    private static final Path DATA = dataDir();

    @RegisterExtension
    static final GreenMailExtension greenMail = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("robot@zaps.test", "robot", PASSWORD));

    private final String bootstrapServers;

    @DynamicPropertySource
    static void secrets(DynamicPropertyRegistry registry) {
        registry.add("ZAPS_DATA_DIR", DATA::toString);
        registry.add(SecretStore.MASTER_KEY_ENV, () -> "");
    }

    @Autowired
    SecretsEmailConnectorTest(@Value("${spring.kafka.bootstrap-servers}") String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    @Test
    void logsInWithTheStoredPasswordAndNeverAnswersWithIt(CapturedOutput output) throws Exception {
        SecretStore store = SecretStore.open(DATA, null, Clock.systemUTC());
        // what the gateway does: publish each stored secret (encrypted) to zaps.secrets; the key file is the shared folder's
        try (KafkaProbe publisher = new KafkaProbe(bootstrapServers)) {
            store.put("smtp", PASSWORD, record -> publish(publisher, record));
            store.put("smtp_wrong", WRONG, record -> publish(publisher, record));
        }

        CompleteStep sent = send("smtp");
        assertThat(sent.outcome()).as(sent.error()).isEqualTo(CompleteStep.Outcome.SUCCEEDED);
        assertThat(greenMail.getReceivedMessages()).hasSize(1);

        CompleteStep refused = send("smtp_wrong");
        assertThat(refused.outcome()).isEqualTo(CompleteStep.Outcome.FAILED);
        assertThat(refused.retryable()).isFalse();
        assertThat(refused.error()).contains("authentication failed").contains("535").doesNotContain(WRONG);
        assertThat(greenMail.getReceivedMessages()).hasSize(1);

        CompleteStep missing = send("smtp_gone");
        assertThat(missing.error()).startsWith("secret 'smtp_gone' does not exist");

        assertThat(output.getAll()).doesNotContain(PASSWORD).doesNotContain(WRONG);
    }

    private CompleteStep send(String secret) throws Exception {
        ObjectNode template = Json.object()
                .put("host", "127.0.0.1")
                .put("port", greenMail.getSmtp().getPort())
                .put("tls", "none")
                .put("username", "robot")
                .put("password", "{{ secret('" + secret + "') }}")
                .put("from", "robot@zaps.test")
                .put("to", "ada@example.com")
                .put("subject", "Invoice {{ n }}")
                .put("text", "Hello");
        List<Violation> violations = new ArrayList<>();
        new EmailSpec().validate(template, "config", violations);
        assertThat(violations).as("the gateway would accept it").isEmpty();
        ObjectNode config = (ObjectNode) Templates.render(template, Map.of("n", 42), "config");

        String run = UUID.randomUUID().toString();
        Instant now = Instant.now();
        try (KafkaProbe probe = new KafkaProbe(bootstrapServers, Topics.RUN_COMMANDS)) {
            probe.send(Topics.stepRequests("email"), run, Json.toBytes(new ExecuteStep(1, run, "wf", "mail", "email", 1,
                    Ids.idempotencyKey(run, "mail", 1), config, now, now.plusSeconds(300))));
            ConsumerRecord<String, byte[]> record = probe.await(Topics.RUN_COMMANDS, r -> run.equals(r.key()), AT_MOST);
            String raw = new String(record.value(), StandardCharsets.UTF_8);
            assertThat(raw).doesNotContain(PASSWORD).doesNotContain(WRONG);
            return (CompleteStep) Json.read(record.value(), RunCommand.class);
        }
    }

    private static void publish(KafkaProbe publisher, SecretRecord record) {
        try {
            publisher.send(Topics.SECRETS, record.name(), Json.toBytes(record));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path dataDir() {
        try {
            return Files.createDirectories(Path.of("target", "test-data", "secrets-" + UUID.randomUUID())).toAbsolutePath();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
