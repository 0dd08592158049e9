package io.zaps.trigger.source.mail;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.store.DataFolders;
import io.zaps.store.StoreException;
import io.zaps.store.UnsafeIdException;
import io.zaps.trigger.source.cursor.CursorTopic;
import io.zaps.trigger.source.cursor.TriggerCursor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The mailbox cursors, on {@link io.zaps.contract.Topics#TRIGGER_CURSORS} ({@link CursorTopic}), each written with an
 * acknowledged send. A cursor never moves back within one folder generation: the topic's readers keep the higher UID
 * ({@link TriggerCursor#newer}), and {@link #advance} keeps the known cursor when it is already further (another
 * instance polled the mailbox meanwhile). A message published once more has the same event id and starts no second run.
 *
 * <p>Data folders from before the topic kept them in files, {@code <data>/triggers/mailboxes/<workflow_id>.json}: such a
 * file is read once per workflow (never written any more) and published when it is further than the topic's record.
 */
final class MailboxCursors {
    private static final Logger log = LoggerFactory.getLogger(MailboxCursors.class);

    private final CursorTopic topic;
    private final Path legacyDir;

    /**
     * @param dataDir the data folder whose cursor files from before the topic are published once; null: none
     */
    MailboxCursors(CursorTopic topic, Path dataDir) {
        this.topic = topic;
        this.legacyDir = dataDir == null ? null : DataFolders.mailboxCursors(dataDir);
    }

    /**
     * The cursor of {@code workflowId}, the topic read to its end first; empty when there is none.
     *
     * @throws CursorTopic.Unavailable when the topic could not be read in time (the poll fails; the next one retries)
     */
    Optional<MailboxCursor> read(String workflowId) {
        return topic.read(workflowId, () -> legacy(workflowId).map(c -> TriggerCursor.of(workflowId, c))).map(TriggerCursor::mailbox);
    }

    /**
     * Stores {@code cursor}, unless the known one is of the same folder generation and already further; returns the
     * cursor now stored.
     */
    MailboxCursor advance(String workflowId, MailboxCursor cursor) {
        TriggerCursor incoming = TriggerCursor.of(workflowId, cursor);
        TriggerCursor kept = TriggerCursor.newer(topic.known(workflowId).orElse(null), incoming);
        if (kept != incoming && kept.mailbox() != null && kept.mailbox().sameFolderAs(cursor)) {
            return kept.mailbox();
        }
        topic.write(incoming);
        return cursor;
    }

    /** Stores {@code cursor} as it is (a new mailbox, a new folder generation). */
    void write(String workflowId, MailboxCursor cursor) {
        topic.write(TriggerCursor.of(workflowId, cursor));
    }

    /** The cursor file of a data folder from before the topic; empty when none, or when it is not a cursor (logged). */
    private Optional<MailboxCursor> legacy(String workflowId) {
        if (legacyDir == null) {
            return Optional.empty();
        }
        if (!Ids.isSafe(workflowId)) {
            throw new UnsafeIdException("workflow id", workflowId);
        }
        Path file = legacyDir.resolve(workflowId + ".json");
        try {
            MailboxCursor cursor = Json.read(Files.readAllBytes(file), MailboxCursor.class);
            return cursor == null || cursor.mailbox() == null ? Optional.empty() : Optional.of(cursor);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (MalformedRecordException e) {
            log.warn("former mailbox cursor {} is corrupt, ignored: {}", file, e.getMessage());
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
