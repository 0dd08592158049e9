package io.zaps.trigger.source.mail;

import java.time.Instant;
import java.util.Optional;

/**
 * Where a poll starts reading a folder, from the stored cursor and what the server says now. Pure.
 *
 * <ul>
 *   <li>A known mailbox with the same UIDVALIDITY continues after its cursor.</li>
 *   <li>A mailbox seen for the first time (or a trigger that now names another mailbox) starts after the messages
 *       already in the folder, or before them with {@code start-from: earliest}.</li>
 *   <li>A changed UIDVALIDITY means the server renumbered the folder (it was recreated or rebuilt): the old UIDs say
 *       nothing any more, and the messages now in the folder would all look new. They are not fired again: the poll
 *       starts after the last message now in the folder, whatever {@code start-from} says.</li>
 * </ul>
 */
final class MailboxPlan {
    private MailboxPlan() {}

    /** Why the cursor was (re)set, for the log; null when the stored cursor is simply continued. */
    enum Reason { NEW_MAILBOX, UIDVALIDITY_CHANGED }

    /**
     * @param cursor  the cursor to read after (message UIDs greater than its {@code lastUid})
     * @param persist whether {@code cursor} is new and must be stored before anything is fired
     * @param reason  why it is new, or null
     */
    record Start(MailboxCursor cursor, boolean persist, Reason reason) {}

    /**
     * @param stored       the stored cursor, if any
     * @param mailbox      {@link MailEventIds#mailbox} of the trigger as it is now
     * @param uidValidity  the folder's UIDVALIDITY now
     * @param lastUidNow   the UID of the last message in the folder now, 0 when it is empty
     * @param fromEarliest {@code start-from: earliest}
     */
    static Start start(Optional<MailboxCursor> stored, String mailbox, long uidValidity, long lastUidNow,
                       boolean fromEarliest, Instant now) {
        if (stored.isPresent() && stored.get().mailbox().equals(mailbox)) {
            if (stored.get().uidValidity() == uidValidity) {
                return new Start(stored.get(), false, null);
            }
            return new Start(new MailboxCursor(mailbox, uidValidity, lastUidNow, now), true, Reason.UIDVALIDITY_CHANGED);
        }
        return new Start(new MailboxCursor(mailbox, uidValidity, fromEarliest ? 0 : lastUidNow, now), true, Reason.NEW_MAILBOX);
    }
}
