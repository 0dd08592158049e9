package io.zaps.connector.email;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Date;
import java.util.HexFormat;

/** Builds the MIME message of an email step. */
final class EmailMessages {
    static final String IDEMPOTENCY_HEADER = "X-Zaps-Idempotency-Key";

    private EmailMessages() {}

    /**
     * The Message-ID of the message sent for {@code idempotencyKey}: the same for every delivery of
     * the same request, so a receiver (or a mail store) that dedupes on Message-ID sees a
     * redelivered request as the same message.
     */
    static String messageId(String idempotencyKey, String senderDomain) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(idempotencyKey.getBytes(StandardCharsets.UTF_8));
            return "<" + HexFormat.of().formatHex(digest).substring(0, 32) + ".zaps@" + senderDomain + ">";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    static MimeMessage compose(Session session, EmailConfig config, String idempotencyKey, Date sentAt) throws MessagingException {
        MimeMessage message = new FixedIdMessage(session, messageId(idempotencyKey, config.senderDomain()));
        message.setFrom(config.from());
        message.setRecipients(MimeMessage.RecipientType.TO, config.to().toArray(InternetAddress[]::new));
        if (!config.cc().isEmpty()) {
            message.setRecipients(MimeMessage.RecipientType.CC, config.cc().toArray(InternetAddress[]::new));
        }
        // Bcc is given to the server as recipients only: Transport.sendMessage gets every recipient
        // and the header is dropped by the transport, so it never shows in what is delivered.
        if (config.replyTo() != null) {
            message.setReplyTo(new InternetAddress[] {config.replyTo()});
        }
        message.setSubject(config.subject().replaceAll("[\\r\\n]+", " "), StandardCharsets.UTF_8.name());
        message.setSentDate(sentAt);
        message.setHeader(IDEMPOTENCY_HEADER, idempotencyKey);
        if (config.text() != null && config.html() != null) {
            MimeMultipart alternative = new MimeMultipart("alternative");
            MimeBodyPart text = new MimeBodyPart();
            text.setText(config.text(), StandardCharsets.UTF_8.name(), "plain");
            MimeBodyPart html = new MimeBodyPart();
            html.setText(config.html(), StandardCharsets.UTF_8.name(), "html");
            // Least preferred first (RFC 2046): clients show the last part they understand.
            alternative.addBodyPart(text);
            alternative.addBodyPart(html);
            message.setContent(alternative);
        } else if (config.html() != null) {
            message.setText(config.html(), StandardCharsets.UTF_8.name(), "html");
        } else {
            message.setText(config.text(), StandardCharsets.UTF_8.name(), "plain");
        }
        message.saveChanges();
        return message;
    }

    /** A message whose Message-ID survives {@link MimeMessage#saveChanges()}, which would otherwise make a new one. */
    private static final class FixedIdMessage extends MimeMessage {
        private final String messageId;

        FixedIdMessage(Session session, String messageId) {
            super(session);
            this.messageId = messageId;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", messageId);
        }
    }
}
