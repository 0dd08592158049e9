package io.zaps.trigger.source.schedule;

import io.zaps.store.DataFolders;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.store.FileStore;
import io.zaps.store.StoreException;
import io.zaps.store.UnsafeIdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The schedule cursors on the shared data folder, one JSON file per workflow:
 * <pre>
 * &lt;data&gt;/triggers/schedules/&lt;workflow_id&gt;.json   {"workflow_id", "cron", "timezone", "workflow_created_at", "last_tick", "active", "updated_at"}
 * </pre>
 * Written atomically (temporary file, then rename), so a reader sees the old or the new cursor. The instance that owns
 * the workflow writes it after Kafka acknowledged each tick's trigger; the instance that takes the workflow over reads
 * it. A lost write (a crash between the acknowledgement and the rename) only makes a tick fire once more with the
 * same event id, which starts no second run.
 */
public final class ScheduleCursors {
    private static final Logger log = LoggerFactory.getLogger(ScheduleCursors.class);

    private final Path dir;

    public ScheduleCursors(Path dataDir) {
        try {
            this.dir = Files.createDirectories(DataFolders.scheduleCursors(dataDir));
        } catch (IOException e) {
            throw new StoreException("cannot create the schedule cursor folder under " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The stored cursor of {@code workflowId}; empty when there is none, or when the file is not a cursor (logged: the
     * schedule then starts afresh, which loses at most the catch-up of missed ticks).
     *
     * @throws StoreException when the file exists but cannot be read
     */
    public Optional<ScheduleCursor> read(String workflowId) {
        Path file = file(workflowId);
        try {
            ScheduleCursor cursor = Json.read(Files.readAllBytes(file), ScheduleCursor.class);
            return cursor == null || cursor.lastTick() == null ? Optional.empty() : Optional.of(cursor);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (MalformedRecordException e) {
            log.warn("schedule cursor {} is corrupt, the schedule starts afresh: {}", file, e.getMessage());
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public void write(ScheduleCursor cursor) {
        Path target = file(cursor.workflowId());
        FileStore.writeAtomically(target, Json.toBytes(cursor));
    }

    /** Forgets the cursor of a deleted workflow. */
    public void delete(String workflowId) {
        Path file = file(workflowId);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StoreException("cannot delete " + file + ": " + e.getMessage(), e);
        }
    }

    private Path file(String workflowId) {
        if (!Ids.isSafe(workflowId)) {
            throw new UnsafeIdException("workflow id", workflowId);
        }
        return dir.resolve(workflowId + ".json");
    }
}
