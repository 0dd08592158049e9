package io.zaps.connector.email;

import io.zaps.testkit.KafkaProbe;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.RunCommand;
import jakarta.mail.internet.MimeMessage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.Environment;
import org.springframework.kafka.test.context.EmbeddedKafka;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole connector on a real KRaft broker sending to a real (GreenMail) SMTP server. */
@SpringBootTest(classes = EmailConnectorApplication.class,
        properties = {"spring.config.name=connector-email", "zaps.kafka.partitions=2", "zaps.connector.concurrency=2"})
@EmbeddedKafka(partitions = 2)
@ExtendWith(OutputCaptureExtension.class)
class EmailConnectorKafkaTest {
    private static final Duration AT_MOST = Duration.ofSeconds(60);

    @RegisterExtension
    static final GreenMailExtension greenMail = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    private final String bootstrapServers;
    private final Environment environment;

    @Autowired
    EmailConnectorKafkaTest(@Value("${spring.kafka.bootstrap-servers}") String bootstrapServers, Environment environment) {
        this.bootstrapServers = bootstrapServers;
        this.environment = environment;
    }

    @Test
    void sendsTheMailAndAnswersOnRunCommands(CapturedOutput output) throws Exception {
        String run = UUID.randomUUID().toString();
        String key = Ids.idempotencyKey(run, "mail", 1);
        try (KafkaProbe probe = new KafkaProbe(bootstrapServers, Topics.RUN_COMMANDS)) {
            probe.send(Topics.stepRequests("email"), run, Json.toBytes(request(run)));

            ConsumerRecord<String, byte[]> record = probe.await(Topics.RUN_COMMANDS, r -> run.equals(r.key()), AT_MOST);

            CompleteStep answer = (CompleteStep) Json.read(record.value(), RunCommand.class);
            assertThat(answer.outcome()).as(answer.error()).isEqualTo(CompleteStep.Outcome.SUCCEEDED);
            assertThat(answer.idempotencyKey()).isEqualTo(key);
            assertThat(answer.output().get("message_id").stringValue()).isEqualTo(EmailMessages.messageId(key, "zaps.test"));
            assertThat(answer.output().get("accepted").get(0).stringValue()).isEqualTo("ada@example.com");
        }
        MimeMessage[] received = greenMail.getReceivedMessages();
        assertThat(received).hasSize(1);
        assertThat(received[0].getSubject()).isEqualTo("Run " + run);
        assertThat(received[0].getMessageID()).isEqualTo(EmailMessages.messageId(key, "zaps.test"));
        assertThat(output).contains("zaps connector-email ready");
        assertThat(environment.getProperty("spring.application.name")).as("connector-email.yml is loaded").isEqualTo("connector-email");
    }

    private static ExecuteStep request(String run) {
        Instant now = Instant.now();
        return new ExecuteStep(1, run, "wf", "mail", "email", 1, Ids.idempotencyKey(run, "mail", 1),
                Json.object()
                        .put("host", "127.0.0.1")
                        .put("port", greenMail.getSmtp().getPort())
                        .put("tls", "none")
                        .put("from", "robot@zaps.test")
                        .put("to", "ada@example.com")
                        .put("subject", "Run " + run)
                        .put("text", "Hello"),
                now, now.plusSeconds(300));
    }
}
