package io.zaps.trigger.source.mail;

import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * How far a workflow's mailbox has been read: every message of {@code mailbox} with a UID up to {@code lastUid} under
 * {@code uidValidity} has been handled (its trigger acknowledged by Kafka, or it did not pass the filters, or it was
 * already in the folder when the mailbox was first seen).
 *
 * @param mailbox     which mailbox the numbers belong to ({@link MailEventIds#mailbox}); a workflow whose trigger now
 *                    names another mailbox starts afresh
 * @param uidValidity the folder's UIDVALIDITY the UIDs belong to
 * @param lastUid     the highest UID handled
 * @param updatedAt   when it was written
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record MailboxCursor(String mailbox, long uidValidity, long lastUid, Instant updatedAt) {

    /** This cursor moved on to {@code uid}. */
    MailboxCursor advancedTo(long uid, Instant now) {
        return new MailboxCursor(mailbox, uidValidity, Math.max(lastUid, uid), now);
    }

    /** Whether both speak of the same folder generation ({@code mailbox} and UIDVALIDITY), so their UIDs compare. */
    boolean sameFolderAs(MailboxCursor other) {
        return other != null && mailbox.equals(other.mailbox) && uidValidity == other.uidValidity;
    }
}
