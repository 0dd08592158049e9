package io.zaps.trigger.source.mail;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * The email trigger's settings ({@code zaps.trigger.mail.*}, next to {@link io.zaps.trigger.TriggerProperties}).
 * See {@code docs/triggers-email.md}.
 *
 * @param startFrom                 where a mailbox seen for the first time starts: {@code latest} (default: only messages
 *                                  arriving from now on start runs, the ones already in the folder do not) or
 *                                  {@code earliest} (every message already in the folder starts a run too)
 * @param maxAttachmentBytes        the largest attachment stored (decoded bytes), default 25MB; a larger one is listed with
 *                                  {@code skipped: "too large"} and no ref
 * @param maxMessageAttachmentBytes the most attachment bytes stored for one message, default 50MB; attachments that no
 *                                  longer fit are listed with {@code skipped: "too large"}
 * @param maxBodyChars              the longest {@code text} and {@code html} put into the run context (each), default
 *                                  100,000 characters; longer bodies are cut and flagged {@code text_truncated} /
 *                                  {@code html_truncated} (the trigger record must fit into one Kafka record)
 * @param maxMessagesPerPoll        at most this many new messages are handled per poll, default 50; a mailbox with more
 *                                  is polled again at once
 * @param timeout                   IMAP connect, read and write timeout, default 30s
 * @param maxBackoff                the longest wait between two attempts on a mailbox that keeps failing (login refused,
 *                                  server unreachable), default 5m; never shorter than the trigger's {@code poll_seconds}
 * @param scanInterval              how often the workflow definitions are checked for email triggers (added, changed,
 *                                  paused, deleted, owned by this instance) and due mailboxes are polled, default 1s
 * @param threads                   mailboxes polled at the same time by this instance, default 2
 * @param sslTrust                  hosts (comma-separated, or {@code *}) whose TLS certificate is trusted as it is, e.g. a
 *                                  self-signed one; default none: the JVM's trust store and a host-name check
 */
@Validated
@ConfigurationProperties("zaps.trigger.mail")
public record MailProperties(
        @NotNull String startFrom,
        @NotNull DataSize maxAttachmentBytes,
        @NotNull DataSize maxMessageAttachmentBytes,
        @NotNull @Min(100) @Max(500_000) Integer maxBodyChars,
        @NotNull @Min(1) @Max(10_000) Integer maxMessagesPerPoll,
        @NotNull @DurationMin(seconds = 1) @DurationMax(minutes = 10) Duration timeout,
        @NotNull @DurationMin(seconds = 1) @DurationMax(hours = 24) Duration maxBackoff,
        @NotNull @DurationMin(millis = 100) @DurationMax(minutes = 10) Duration scanInterval,
        @NotNull @Min(1) @Max(64) Integer threads,
        String sslTrust) {
    public static final String START_LATEST = "latest";
    public static final String START_EARLIEST = "earliest";

    public MailProperties {
        startFrom = startFrom == null ? START_LATEST : startFrom.strip().toLowerCase(java.util.Locale.ROOT);
        if (!START_LATEST.equals(startFrom) && !START_EARLIEST.equals(startFrom)) {
            throw new IllegalArgumentException("zaps.trigger.mail.start-from must be 'latest' or 'earliest' (was '" + startFrom + "')");
        }
        maxAttachmentBytes = maxAttachmentBytes == null ? DataSize.ofMegabytes(25) : maxAttachmentBytes;
        maxMessageAttachmentBytes = maxMessageAttachmentBytes == null ? DataSize.ofMegabytes(50) : maxMessageAttachmentBytes;
        if (maxAttachmentBytes.toBytes() < 1 || maxMessageAttachmentBytes.toBytes() < 1) {
            throw new IllegalArgumentException("zaps.trigger.mail.max-attachment-bytes and max-message-attachment-bytes must be positive");
        }
        maxBodyChars = maxBodyChars == null ? 100_000 : maxBodyChars;
        maxMessagesPerPoll = maxMessagesPerPoll == null ? 50 : maxMessagesPerPoll;
        timeout = timeout == null ? Duration.ofSeconds(30) : timeout;
        maxBackoff = maxBackoff == null ? Duration.ofMinutes(5) : maxBackoff;
        scanInterval = scanInterval == null ? Duration.ofSeconds(1) : scanInterval;
        threads = threads == null ? 2 : threads;
    }

    /** Every default. */
    public static MailProperties defaults() {
        return new MailProperties(null, null, null, null, null, null, null, null, null, null);
    }

    /** Whether a mailbox seen for the first time starts with the messages already in it. */
    boolean startsFromEarliest() {
        return START_EARLIEST.equals(startFrom);
    }

    /** Whether {@code host}'s certificate is taken as it is ({@link #sslTrust}). */
    boolean trusts(String host) {
        if (sslTrust == null || sslTrust.isBlank()) {
            return false;
        }
        for (String entry : sslTrust.strip().split("[\\s,]+")) {
            if (entry.equals("*") || entry.equalsIgnoreCase(host)) {
                return true;
            }
        }
        return false;
    }
}
