package io.zaps.trigger.source.mail;

import io.zaps.store.AttachmentStore;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import jakarta.activation.DataHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Date;
import java.util.Properties;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Real MIME messages, written out and parsed back as a server would hand them over. */
class MessageContentTest {
    private static final Session SESSION = Session.getInstance(new Properties());

    @TempDir
    Path dataDir;

    @Test
    void headers_bodies_and_attachments_become_the_context_with_the_bytes_stored_by_ref() throws Exception {
        byte[] pdf = "%PDF-1.7 not really, but bytes".getBytes(StandardCharsets.US_ASCII);
        MimeMultipart alternative = new MimeMultipart("alternative");
        alternative.addBodyPart(text("Hello Zaps, please find the invoice attached. Grüße", "plain"));
        alternative.addBodyPart(text("<p>Hello <b>Zaps</b></p>", "html"));
        MimeBodyPart body = new MimeBodyPart();
        body.setContent(alternative);
        MimeMultipart mixed = new MimeMultipart("mixed");
        mixed.addBodyPart(body);
        mixed.addBodyPart(attachment("../../etc/invoice INV-42.pdf", "application/pdf", pdf));
        MimeMessage message = message(mixed);
        message.setFrom(new InternetAddress("billing@acme.example", "ACME Billing"));
        message.setRecipients(Message.RecipientType.TO, "invoices@zaps.test, Boss <boss@zaps.test>");
        message.setRecipients(Message.RecipientType.CC, "audit@zaps.test");
        message.setSubject("Invoice INV-42 – due soon", "UTF-8");
        message.setSentDate(new Date(1_767_323_045_000L));
        message.saveChanges();
        message.setHeader("Message-ID", "<inv-42@acme.example>"); // after saveChanges, which makes its own
        AttachmentStore store = new AttachmentStore(dataDir);

        ObjectNode context = new MessageContent(store, MailProperties.defaults()).read(roundTrip(message));

        assertThat(context.get("from").stringValue()).isEqualTo("billing@acme.example");
        assertThat(context.get("to")).extracting(JsonNode::stringValue).containsExactly("invoices@zaps.test", "boss@zaps.test");
        assertThat(context.get("cc")).extracting(JsonNode::stringValue).containsExactly("audit@zaps.test");
        assertThat(context.get("subject").stringValue()).isEqualTo("Invoice INV-42 – due soon");
        assertThat(context.get("date").stringValue()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(context.get("message_id").stringValue()).isEqualTo("<inv-42@acme.example>");
        assertThat(context.get("text").stringValue()).isEqualTo("Hello Zaps, please find the invoice attached. Grüße");
        assertThat(context.get("html").stringValue()).isEqualTo("<p>Hello <b>Zaps</b></p>");
        assertThat(context.has("text_truncated")).isFalse();
        JsonNode attachment = context.get("attachments").get(0);
        assertThat(context.get("attachments")).hasSize(1);
        assertThat(attachment.get("filename").stringValue()).as("no folder part").isEqualTo("invoice INV-42.pdf");
        assertThat(attachment.get("content_type").stringValue()).isEqualTo("application/pdf");
        assertThat(attachment.get("size").longValue()).isEqualTo(pdf.length);
        assertThat(store.read(attachment.get("ref").stringValue(), 1000)).isEqualTo(pdf);
        assertThat(MessageContent.fromHeader(roundTrip(message))).isEqualTo("ACME Billing <billing@acme.example>");
    }

    @Test
    void attachments_over_the_caps_are_listed_as_skipped_without_a_ref_and_bodies_are_cut() throws Exception {
        MimeMultipart mixed = new MimeMultipart("mixed");
        mixed.addBodyPart(text("x".repeat(500), "plain"));
        mixed.addBodyPart(attachment("small.bin", "application/octet-stream", random(1000)));
        mixed.addBodyPart(attachment("big.bin", "application/octet-stream", random(5000)));
        mixed.addBodyPart(attachment("fits-alone.bin", "application/octet-stream", random(1500)));
        mixed.addBodyPart(attachment("last.bin", "application/octet-stream", random(900)));
        // 2 KB per attachment, 3 KB per message, 200 characters of body
        MailProperties caps = new MailProperties(null, DataSize.ofBytes(2000), DataSize.ofBytes(3000), 200, null, null, null, null, null, null);
        AttachmentStore store = new AttachmentStore(dataDir);

        ObjectNode context = new MessageContent(store, caps).read(roundTrip(message(mixed)));

        assertThat(context.get("text").stringValue()).hasSize(200);
        assertThat(context.get("text_truncated").booleanValue()).isTrue();
        JsonNode list = context.get("attachments");
        assertThat(list).extracting(a -> a.get("filename").stringValue()).containsExactly("small.bin", "big.bin", "fits-alone.bin", "last.bin");
        assertThat(list.get(0).get("ref").stringValue()).matches("sha256:[0-9a-f]{64}");
        assertThat(list.get(1).get("skipped").stringValue()).isEqualTo("too large");
        assertThat(list.get(1).has("ref")).isFalse();
        assertThat(list.get(1).get("size").longValue()).as("the encoded size the server reports").isGreaterThanOrEqualTo(5000);
        assertThat(list.get(2).has("skipped")).as("1000 + 1500 fit the per-message cap").isFalse();
        assertThat(list.get(2).get("size").longValue()).isEqualTo(1500);
        assertThat(list.get(3).get("skipped").stringValue()).as("900 more would pass the per-message cap").isEqualTo("too large");
        assertThat(list.get(3).has("ref")).isFalse();
    }

    @Test
    void a_plain_message_has_text_empty_lists_and_no_html() throws Exception {
        MimeMessage message = new MimeMessage(SESSION);
        message.setFrom("a@b.example");
        message.setSubject("plain");
        message.setText("just text", "UTF-8");
        message.saveChanges();

        ObjectNode context = new MessageContent(new AttachmentStore(dataDir), MailProperties.defaults()).read(roundTrip(message));

        assertThat(context.get("text").stringValue()).isEqualTo("just text");
        assertThat(context.get("html").isNull()).isTrue();
        assertThat(context.get("to")).isEmpty();
        assertThat(context.get("cc")).isEmpty();
        assertThat(context.get("attachments")).isEmpty();
    }

    private static MimeMessage message(MimeMultipart content) throws Exception {
        MimeMessage message = new MimeMessage(SESSION);
        message.setFrom("sender@acme.example");
        message.setSubject("test");
        message.setContent(content);
        return message;
    }

    private static MimeBodyPart text(String text, String subtype) throws Exception {
        MimeBodyPart part = new MimeBodyPart();
        part.setText(text, "UTF-8", subtype);
        return part;
    }

    private static MimeBodyPart attachment(String filename, String contentType, byte[] bytes) throws Exception {
        MimeBodyPart part = new MimeBodyPart();
        part.setDataHandler(new DataHandler(new ByteArrayDataSource(bytes, contentType)));
        part.setFileName(filename);
        part.setDisposition(MimeBodyPart.ATTACHMENT);
        return part;
    }

    /** Written out (saved first unless already saved) and parsed back. */
    private static MimeMessage roundTrip(MimeMessage message) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        return new MimeMessage(SESSION, new ByteArrayInputStream(out.toByteArray()));
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }
}
