package io.zaps.trigger.source.mail;

import io.zaps.contract.trigger.EmailTrigger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Names for one mailbox and one message in it. Pure. */
final class MailEventIds {
    /** The longest event id a trigger record may carry ({@code TriggerRequested.validated}). */
    static final int MAX_EVENT_ID = 200;

    private MailEventIds() {}

    /**
     * The event id of the run for message {@code uid}: {@link EmailTrigger#eventId}, or, when that is longer than a
     * trigger record allows (long user or folder names), {@code imap-sha256:<hex>} of it; deterministic either way.
     */
    static String eventId(String workflowId, EmailTrigger trigger, long uidValidity, long uid) {
        String id = EmailTrigger.eventId(workflowId, trigger.host(), trigger.username(), trigger.folder(), uidValidity, uid);
        if (id.length() <= MAX_EVENT_ID) {
            return id;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return "imap-sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Which mailbox a cursor belongs to: user, host and folder (what the event id names; port and TLS may change). */
    static String mailbox(EmailTrigger trigger) {
        return trigger.username() + "@" + trigger.host() + "/" + trigger.folder();
    }
}
