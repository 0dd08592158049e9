package io.zaps.trigger.source.schedule;

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
 * The schedule cursors, on {@link io.zaps.contract.Topics#TRIGGER_CURSORS} ({@link CursorTopic}): the instance that owns
 * the workflow writes its cursor with an acknowledged send after Kafka acknowledged each tick's trigger; the instance
 * that takes the workflow over catches up with the topic and reads it. A lost write (a crash between the two
 * acknowledgements) only makes a tick fire once more with the same event id, which starts no second run.
 *
 * <p>Data folders from before the topic kept them in files, {@code <data>/triggers/schedules/<workflow_id>.json}: such
 * a file is read once per workflow (never written any more) and published when it is further than the topic's record
 * (the upgrade); the folder is never created.
 */
public final class ScheduleCursors {
    private static final Logger log = LoggerFactory.getLogger(ScheduleCursors.class);

    private final CursorTopic topic;
    private final Path legacyDir;

    /**
     * @param dataDir the data folder whose cursor files from before the topic are published once; null: none
     */
    public ScheduleCursors(CursorTopic topic, Path dataDir) {
        this.topic = topic;
        this.legacyDir = dataDir == null ? null : DataFolders.scheduleCursors(dataDir);
    }

    /**
     * The cursor of {@code workflowId}; empty when there is none (or the workflow's trigger is not a schedule).
     *
     * @throws CursorTopic.Unavailable when the cursor topic could not be read to its end in time
     */
    public Optional<ScheduleCursor> read(String workflowId) {
        return topic.read(workflowId, () -> legacy(workflowId).map(TriggerCursor::of)).map(TriggerCursor::schedule);
    }

    /** Stores {@code cursor}, acknowledged by Kafka ({@link CursorTopic.Unavailable} when not). */
    public void write(ScheduleCursor cursor) {
        topic.write(TriggerCursor.of(cursor));
    }

    /** Forgets the cursor of a deleted workflow (and its file from before the topic). */
    public void delete(String workflowId) {
        topic.delete(workflowId);
        if (legacyDir != null) {
            Path file = file(workflowId);
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.warn("cannot delete the former cursor file {}: {}", file, e.toString());
            }
        }
    }

    /** The cursor file of a data folder from before the topic; empty when none or when it is not a cursor (logged). */
    private Optional<ScheduleCursor> legacy(String workflowId) {
        if (legacyDir == null) {
            return Optional.empty();
        }
        Path file = file(workflowId);
        try {
            ScheduleCursor cursor = Json.read(Files.readAllBytes(file), ScheduleCursor.class);
            return cursor == null || cursor.lastTick() == null || !workflowId.equals(cursor.workflowId())
                    ? Optional.empty() : Optional.of(cursor);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (MalformedRecordException e) {
            log.warn("former schedule cursor {} is corrupt, ignored: {}", file, e.getMessage());
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private Path file(String workflowId) {
        if (!Ids.isSafe(workflowId)) {
            throw new UnsafeIdException("workflow id", workflowId);
        }
        return legacyDir.resolve(workflowId + ".json");
    }
}
