package io.zaps.connector.email;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.zaps.connector.StepOutcome;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.command.ExecuteStep;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.node.ObjectNode;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Real SMTP: GreenMail in-process, and a scripted server for the rejections GreenMail does not give. */
class EmailHandlerTest {
    private static final String RUN = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    private static final String PASSWORD = "s3cret-pass";

    @RegisterExtension
    static final GreenMailExtension greenMail = new GreenMailExtension(
            new ServerSetup[] {ServerSetupTest.SMTP.dynamicPort(), ServerSetupTest.SMTPS.dynamicPort()})
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("robot@zaps.test", "robot", PASSWORD));

    private final EmailHandler handler = handler(new EmailProperties(null, null));

    @Test
    void sendsTextAndHtmlToEveryRecipientWithADeterministicMessageId() throws Exception {
        ObjectNode config = smtp()
                .put("to", "Ada <ada@example.com>")
                .put("cc", "bob@example.com")
                .put("reply_to", "help@zaps.test")
                .put("subject", "Invoice 42 é")
                .put("text", "Please pay invoice 42.")
                .put("html", "<p>Please pay <b>invoice 42</b>.</p>");
        config.putArray("bcc").add("audit@example.com");

        StepOutcome outcome = handler.handle(request(config, 1));

        String expectedId = EmailMessages.messageId(Ids.idempotencyKey(RUN, "mail", 1), "zaps.test");
        assertThat(outcome).isInstanceOf(StepOutcome.Succeeded.class);
        assertThat(outcome.output().get("message_id").stringValue()).isEqualTo(expectedId);
        assertThat(outcome.output().get("accepted").values()).extracting(n -> n.stringValue())
                .containsExactly("ada@example.com", "bob@example.com", "audit@example.com");

        MimeMessage[] received = greenMail.getReceivedMessages();
        assertThat(received).hasSize(3); // one copy per recipient
        for (String recipient : new String[] {"ada@example.com", "bob@example.com", "audit@example.com"}) {
            assertThat(greenMail.getManagers().getImapHostManager()
                    .getInbox(greenMail.getUserManager().getUserByEmail(recipient)).getMessageCount()).as(recipient).isEqualTo(1);
        }
        MimeMessage message = received[0];
        assertThat(message.getSubject()).isEqualTo("Invoice 42 é");
        assertThat(message.getMessageID()).isEqualTo(expectedId);
        assertThat(message.getHeader("X-Zaps-Idempotency-Key", null)).isEqualTo(Ids.idempotencyKey(RUN, "mail", 1));
        assertThat(message.getHeader("Bcc")).isNull();
        assertThat(message.getReplyTo()[0].toString()).isEqualTo("help@zaps.test");
        assertThat(message.getRecipients(Message.RecipientType.CC)[0].toString()).isEqualTo("bob@example.com");
        MimeMultipart alternative = (MimeMultipart) message.getContent();
        assertThat(alternative.getContentType()).startsWith("multipart/alternative");
        assertThat(alternative.getBodyPart(0).getContentType()).startsWith("text/plain");
        assertThat(((String) alternative.getBodyPart(0).getContent()).trim()).isEqualTo("Please pay invoice 42.");
        assertThat(alternative.getBodyPart(1).getContentType()).startsWith("text/html");
        assertThat(((String) alternative.getBodyPart(1).getContent()).trim()).isEqualTo("<p>Please pay <b>invoice 42</b>.</p>");
    }

    @Test
    void aRedeliveredRequestCarriesTheSameMessageId() {
        handler.handle(request(smtp(), 1));
        handler.handle(request(smtp(), 1));
        handler.handle(request(smtp(), 2));

        MimeMessage[] received = greenMail.getReceivedMessages();
        assertThat(received).hasSize(3);
        assertThat(messageId(received[0])).isEqualTo(messageId(received[1])).isNotEqualTo(messageId(received[2]));
    }

    @Test
    void logsInWithUsernameAndPassword() throws Exception {
        StepOutcome outcome = handler.handle(request(smtp().put("username", "robot").put("password", PASSWORD), 1));

        assertThat(outcome).isInstanceOf(StepOutcome.Succeeded.class);
        assertThat(greenMail.getReceivedMessages()).hasSize(1);
        assertThat(GreenMailUtil.getBody(greenMail.getReceivedMessages()[0]).trim()).isEqualTo("Hello from Zaps");
    }

    @Test
    void aWrongPasswordFailsPermanentlyWithTheServersReplyAndWithoutThePassword() {
        StepOutcome outcome = handler.handle(request(smtp().put("username", "robot").put("password", "wrong-password"), 1));

        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.error()).startsWith("SMTP authentication failed at 127.0.0.1:" + greenMail.getSmtp().getPort())
                    .contains("535").doesNotContain("wrong-password");
        });
        assertThat(greenMail.getReceivedMessages()).isEmpty();
    }

    @Test
    void sendsOverImplicitTls() {
        ObjectNode config = smtp().put("tls", "tls").put("port", greenMail.getSmtps().getPort());

        StepOutcome trusted = handler(new EmailProperties(null, "127.0.0.1")).handle(request(config, 1));
        StepOutcome untrusted = handler.handle(request(config, 2));

        assertThat(trusted).isInstanceOf(StepOutcome.Succeeded.class);
        assertThat(greenMail.getReceivedMessages()).hasSize(1);
        assertThat(untrusted).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.error()).startsWith("TLS handshake with SMTP server 127.0.0.1:" + greenMail.getSmtps().getPort() + " failed");
        });
    }

    @Test
    void aRejectedRecipientFailsPermanentlyWithTheServersReply() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer("220 tiny.test ESMTP", Map.of("RCPT", "550 5.1.1 <ada@example.com>: no such user"))) {
            StepOutcome outcome = handler.handle(request(scripted(server), 1));

            assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
                assertThat(failed.retryable()).isFalse();
                assertThat(failed.error()).isEqualTo("SMTP server 127.0.0.1:" + server.port()
                        + " rejected the message: RCPT TO:<ada@example.com>: 550 5.1.1 <ada@example.com>: no such user");
            });
        }
    }

    @Test
    void aTemporaryRejectionIsRetryable() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer("220 tiny.test ESMTP", Map.of("RCPT", "451 4.7.1 greylisted, try again later"))) {
            StepOutcome outcome = handler.handle(request(scripted(server), 1));

            assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
                assertThat(failed.retryable()).isTrue();
                assertThat(failed.error()).endsWith("451 4.7.1 greylisted, try again later");
            });
        }
    }

    @Test
    void aRejectedMessageBodyIsClassifiedByItsCode() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer("220 tiny.test ESMTP", Map.of(".", "554 5.7.1 message looks like spam"))) {
            StepOutcome outcome = handler.handle(request(scripted(server), 1));

            assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
                assertThat(failed.retryable()).isFalse();
                assertThat(failed.error()).endsWith("DATA: 554 5.7.1 message looks like spam");
            });
        }
    }

    @Test
    void aBusyServerIsRetryable() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer("421 4.3.2 too busy, come back later", Map.of())) {
            StepOutcome outcome = handler.handle(request(scripted(server), 1));

            assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
                assertThat(failed.retryable()).isTrue();
                assertThat(failed.error()).contains("421 4.3.2 too busy");
            });
        }
    }

    @Test
    void starttlsIsRequiredWhenAsked() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer("220 tiny.test ESMTP", Map.of())) {
            StepOutcome outcome = handler.handle(request(scripted(server).put("tls", "starttls"), 1));

            assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
                assertThat(failed.retryable()).isFalse();
                assertThat(failed.error()).contains("STARTTLS is required");
            });
            assertThat(server.commands()).noneMatch(c -> c.startsWith("MAIL"));
        }
    }

    @Test
    void aSilentServerTimesOutRetryably() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer(null, Map.of())) {
            long start = System.nanoTime();

            StepOutcome outcome = handler.handle(request(scripted(server).put("timeout_seconds", 1), 1));

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
                assertThat(failed.retryable()).isTrue();
                assertThat(failed.error()).isEqualTo("timed out after 1s talking to SMTP server 127.0.0.1:" + server.port());
            });
        }
    }

    @Test
    void aRefusedConnectionIsRetryable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        StepOutcome outcome = handler.handle(request(smtp().put("port", closedPort), 1));

        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isTrue();
            assertThat(failed.error()).startsWith("cannot connect to SMTP server 127.0.0.1:" + closedPort);
        });
    }

    @Test
    void cloudMetadataAndConfiguredBlocksAreNeverConnectedTo() {
        StepOutcome metadata = handler.handle(request(smtp().put("host", "169.254.169.254").put("port", 25), 1));
        assertThat(metadata).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.error()).contains("169.254.169.254", "outbound address denied");
        });

        int before = greenMail.getReceivedMessages().length;
        StepOutcome blocked = handler(new EmailProperties(null, null, java.util.List.of("127.0.0.0/8"), false))
                .handle(request(smtp(), 1));
        assertThat(blocked).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.error()).contains("127.0.0.1", "denied", "zaps.email.denied-cidrs");
        });
        StepOutcome privateDenied = handler(new EmailProperties(null, null, java.util.List.of(), true)).handle(request(smtp(), 2));
        assertThat(privateDenied).isInstanceOf(StepOutcome.Failed.class);
        assertThat(greenMail.getReceivedMessages()).hasSize(before);
    }

    @Test
    void anInvalidConfigFailsPermanently() {
        StepOutcome outcome = handler.handle(request(smtp().put("to", "nobody"), 1));

        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.error()).startsWith("invalid email config: to 'nobody'");
        });
    }

    private static EmailHandler handler(EmailProperties properties) {
        return new EmailHandler(new SmtpSender(properties), Clock.systemUTC());
    }

    private static ObjectNode smtp() {
        return Json.object()
                .put("host", "127.0.0.1")
                .put("port", greenMail.getSmtp().getPort())
                .put("tls", "none")
                .put("from", "Zaps Robot <robot@zaps.test>")
                .put("to", "ada@example.com")
                .put("subject", "Hello")
                .put("text", "Hello from Zaps")
                .put("timeout_seconds", 10);
    }

    private static ObjectNode scripted(ScriptedSmtpServer server) {
        return smtp().put("port", server.port());
    }

    private static ExecuteStep request(ObjectNode config, int attempt) {
        Instant now = Instant.now();
        return new ExecuteStep(1, RUN, "wf", "mail", "email", attempt, Ids.idempotencyKey(RUN, "mail", attempt), config, now, now.plusSeconds(60));
    }

    private static String messageId(MimeMessage message) {
        try {
            return message.getMessageID();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
