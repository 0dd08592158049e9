package io.zaps.trigger.source.mail;

import io.zaps.store.DataFolders;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.store.FileStore;
import io.zaps.store.StoreException;
import io.zaps.store.UnsafeIdException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The mailbox cursors on the shared data folder, one JSON file per workflow:
 * <pre>
 * &lt;data&gt;/triggers/mailboxes/&lt;workflow_id&gt;.json   {"mailbox": ..., "uid_validity": ..., "last_uid": ..., "updated_at": ...}
 * </pre>
 * Written atomically (temporary file, then rename), so a reader sees the old or the new cursor. A cursor never moves
 * back within one folder generation: {@link #advance} keeps the stored cursor when it is already further (another
 * instance polled the mailbox meanwhile). Two writers racing may still leave the lower of two values; that only makes
 * a message be published once more with the same event id, which starts no second run.
 */
final class MailboxCursors {
    private final Path dir;

    MailboxCursors(Path dataDir) {
        try {
            this.dir = Files.createDirectories(DataFolders.mailboxCursors(dataDir));
        } catch (IOException e) {
            throw new StoreException("cannot create the mailbox cursor folder under " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The stored cursor of {@code workflowId}; empty when there is none.
     *
     * @throws StoreException when the file cannot be read or is not a cursor (the poll fails and names the file; deleting
     *                        it makes the mailbox start afresh)
     */
    Optional<MailboxCursor> read(String workflowId) {
        Path file = file(workflowId);
        try {
            MailboxCursor cursor = Json.read(Files.readAllBytes(file), MailboxCursor.class);
            return cursor == null || cursor.mailbox() == null ? Optional.empty() : Optional.of(cursor);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (MalformedRecordException e) {
            throw new StoreException("mailbox cursor " + file + " is corrupt: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stores {@code cursor}, unless the stored one is of the same folder generation and already further; returns the
     * cursor now stored.
     */
    MailboxCursor advance(String workflowId, MailboxCursor cursor) {
        Optional<MailboxCursor> stored = read(workflowId);
        if (stored.isPresent() && stored.get().sameFolderAs(cursor) && stored.get().lastUid() >= cursor.lastUid()) {
            return stored.get();
        }
        write(workflowId, cursor);
        return cursor;
    }

    /** Stores {@code cursor} as it is (a new mailbox, a new folder generation). */
    void write(String workflowId, MailboxCursor cursor) {
        Path target = file(workflowId);
        FileStore.writeAtomically(target, Json.toBytes(cursor));
    }

    private Path file(String workflowId) {
        if (!Ids.isSafe(workflowId)) {
            throw new UnsafeIdException("workflow id", workflowId);
        }
        return dir.resolve(workflowId + ".json");
    }
}
