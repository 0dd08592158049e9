package io.zaps.trigger.source.mail;

import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.trigger.EmailTrigger;
import io.zaps.kafka.secret.TopicSecrets;
import io.zaps.store.StoreException;
import io.zaps.trigger.source.WorkflowOwnership;
import io.zaps.trigger.source.cursor.CursorTopic;
import jakarta.mail.FolderClosedException;
import jakarta.mail.MessageRemovedException;
import jakarta.mail.MessagingException;
import jakarta.mail.StoreClosedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * One poll of one workflow's mailbox: log in with the password from the credential store, open the folder read-only,
 * and for each message above the cursor that passes the filters publish one {@link TriggerRequested} (source
 * {@value #SOURCE}, event id from the folder's UIDVALIDITY and the message's UID), wait for Kafka's acknowledgement,
 * then move the cursor past it. So a crash anywhere repeats at most the last message, with the same event id, which
 * starts no second run.
 *
 * <p>A message whose content cannot be read (malformed MIME) is logged and passed over; losing the connection half-way
 * fails the poll, which the next poll repeats from the cursor.
 */
final class MailboxPoll {
    /** The {@code source} of every trigger this publishes. */
    static final String SOURCE = "email";
    private static final Logger log = LoggerFactory.getLogger(MailboxPoll.class);

    /** Publishes a trigger and returns once Kafka acknowledged it; throws when it did not. */
    @FunctionalInterface
    interface TriggerSink {
        void publish(TriggerRequested trigger) throws Exception;
    }

    /**
     * @param fired       triggers published
     * @param filteredOut messages the filters passed over
     * @param more        whether messages are left for the next poll (the per-poll limit was reached)
     */
    record Result(int fired, int filteredOut, boolean more) {}

    private final TopicSecrets secrets;
    private final MailboxCursors cursors;
    private final MessageContent content;
    private final TriggerSink sink;
    private final WorkflowOwnership ownership;
    private final MailProperties properties;
    private final Clock clock;

    MailboxPoll(TopicSecrets secrets, MailboxCursors cursors, MessageContent content, TriggerSink sink,
                WorkflowOwnership ownership, MailProperties properties, Clock clock) {
        this.secrets = secrets;
        this.cursors = cursors;
        this.content = content;
        this.sink = sink;
        this.ownership = ownership;
        this.properties = properties;
        this.clock = clock;
    }

    Result poll(String workflowId, EmailTrigger trigger) throws MailboxException {
        String password = password(trigger);
        try (ImapMailbox mailbox = ImapMailbox.open(trigger, password, properties)) {
            return read(workflowId, trigger, mailbox, password);
        } catch (MessagingException e) {
            throw new MailboxException(ImapMailbox.describe(e, trigger, password));
        } catch (StoreException | CursorTopic.Unavailable e) {
            throw new MailboxException(ImapMailbox.where(trigger) + ": " + ImapMailbox.scrub(e.getMessage(), password));
        }
    }

    private Result read(String workflowId, EmailTrigger trigger, ImapMailbox mailbox, String password)
            throws MessagingException, MailboxException {
        String name = MailEventIds.mailbox(trigger);
        long uidValidity = mailbox.uidValidity();
        MailboxPlan.Start start = MailboxPlan.start(cursors.read(workflowId), name, uidValidity,
                mailbox.lastUid(), properties.startsFromEarliest(), clock.instant());
        MailboxCursor cursor = start.cursor();
        if (start.persist()) {
            cursors.write(workflowId, cursor);
            if (start.reason() == MailboxPlan.Reason.NEW_MAILBOX) {
                log.info("workflow {}: watching {} (UIDVALIDITY {}), starting after UID {}{}", workflowId,
                        ImapMailbox.where(trigger), uidValidity, cursor.lastUid(), cursor.lastUid() == 0 ? ""
                                : ": the " + mailbox.messageCount() + " message(s) already there start no run (zaps.trigger.mail.start-from=latest)");
            } else {
                log.warn("workflow {}: {} has a new UIDVALIDITY {} (the server renumbered the folder); its {} message(s) "
                        + "are not fired again, watching resumes after UID {}", workflowId, ImapMailbox.where(trigger),
                        uidValidity, mailbox.messageCount(), cursor.lastUid());
            }
        }
        int limit = properties.maxMessagesPerPoll();
        List<ImapMailbox.Entry> entries = mailbox.after(cursor.lastUid(), limit + 1);
        boolean more = entries.size() > limit;
        int fired = 0;
        int filteredOut = 0;
        MailboxCursor written = cursor;
        for (ImapMailbox.Entry entry : entries.subList(0, Math.min(limit, entries.size()))) {
            if (!ownership.owns(workflowId)) {
                log.info("workflow {}: no longer owned by this instance, leaving its mailbox after UID {}", workflowId, cursor.lastUid());
                more = false;
                break;
            }
            Instant now = clock.instant();
            ObjectNode context = null;
            try {
                if (MessageFilter.passes(trigger, MessageContent.fromHeader(entry.message()), entry.message().getSubject())) {
                    context = content.read(entry.message());
                } else {
                    filteredOut++;
                }
            } catch (MessagingException | IOException e) {
                if (connectionLost(e)) {
                    throw new MailboxException(ImapMailbox.where(trigger) + ": connection lost while reading message UID "
                            + entry.uid() + ": " + ImapMailbox.scrub(e.getMessage(), password));
                }
                if (!removed(e)) {
                    log.warn("workflow {}: passing over message UID {} of {}: it cannot be read: {}", workflowId, entry.uid(),
                            ImapMailbox.where(trigger), ImapMailbox.scrub(e.getMessage(), password));
                }
            }
            MailboxCursor next = cursor.advancedTo(entry.uid(), now);
            if (context != null) {
                String eventId = MailEventIds.eventId(workflowId, trigger, uidValidity, entry.uid());
                TriggerRequested event = TriggerRequested.of(eventId, null, workflowId, context, SOURCE, now);
                // Publish and persist under the ownership fence: a hand-over waits until Kafka acknowledged the cursor.
                MailboxCursor stored = fire(workflowId, event, next, trigger, entry.uid());
                if (stored == null) {
                    log.info("workflow {}: no longer owned by this instance, leaving its mailbox after UID {}", workflowId, cursor.lastUid());
                    more = false;
                    break;
                }
                fired++;
                written = stored;
            }
            cursor = next;
        }
        if (cursor.lastUid() > written.lastUid()) {
            cursors.advance(workflowId, cursor);
        }
        return new Result(fired, filteredOut, more);
    }

    /** Publishes {@code event}, then stores {@code next}; null when this instance does not own the workflow (any more). */
    private MailboxCursor fire(String workflowId, TriggerRequested event, MailboxCursor next, EmailTrigger spec, long uid)
            throws MailboxException {
        try {
            return ownership.callIfOwned(workflowId, () -> {
                try {
                    sink.publish(event);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PublishFailed("interrupted while publishing the trigger of message UID " + uid + " of " + ImapMailbox.where(spec));
                } catch (Exception e) {
                    throw new PublishFailed("could not publish the trigger of message UID " + uid + " of " + ImapMailbox.where(spec)
                            + ": " + e.getMessage());
                }
                return cursors.advance(workflowId, next);
            });
        } catch (PublishFailed e) {
            throw new MailboxException(e.getMessage());
        }
    }

    /** Carries a publish failure out of the ownership fence. */
    private static final class PublishFailed extends RuntimeException {
        PublishFailed(String message) {
            super(message, null, false, false);
        }
    }

    private String password(EmailTrigger trigger) throws MailboxException {
        String name = trigger.passwordSecret();
        try {
            return secrets.value(name).orElseThrow(() -> new MailboxException("secret '" + name + "' (the password of "
                    + ImapMailbox.where(trigger) + ") is not in the credential store: store it with PUT /api/secrets/" + name));
        } catch (RuntimeException e) { // the topic unreadable, another master key: the message names the secret, no value
            throw new MailboxException("cannot read secret '" + name + "' for " + ImapMailbox.where(trigger) + ": " + e.getMessage());
        }
    }

    /** The session is gone: the rest of the poll cannot work, the next one starts over from the cursor. */
    private static boolean connectionLost(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof FolderClosedException || t instanceof StoreClosedException || t instanceof SocketException
                    || t instanceof SocketTimeoutException || t instanceof org.eclipse.angus.mail.iap.ConnectionException) {
                return true;
            }
        }
        return false;
    }

    /** The message was expunged while the poll read it: nothing left to fire. */
    private static boolean removed(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MessageRemovedException) {
                return true;
            }
        }
        return false;
    }
}
