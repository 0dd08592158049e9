package io.zaps.trigger.source.cursor;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.store.UnsafeIdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The trigger sources' cursors on {@link Topics#TRIGGER_CURSORS}, shared by every trigger-service instance through
 * Kafka (no shared folder).
 *
 * <ul>
 *   <li>{@link #read} first catches the {@link CursorView} up with the end of the topic, so the instance that was just
 *       assigned a workflow reads every cursor the previous owner wrote: that owner wrote each one with an acknowledged
 *       send inside the ownership fence, before it gave the partition up.</li>
 *   <li>{@link #write} sends the cursor and waits for Kafka's acknowledgement; without it it throws
 *       {@link Unavailable}, and the source retries (a tick or message handled again has the same event id).</li>
 *   <li><b>Upgrade.</b> The first time a workflow is read in this process, a cursor file of the data folder from before
 *       the topic (given by the caller) that {@link TriggerCursor#newer wins} over the topic's record is published, so
 *       a running installation neither fires a tick again nor skips one.</li>
 * </ul>
 */
public final class CursorTopic {
    private static final Logger log = LoggerFactory.getLogger(CursorTopic.class);

    private final CursorView view;
    private final KafkaTemplate<String, byte[]> template;
    private final Duration timeout;
    private final Set<String> legacyChecked = ConcurrentHashMap.newKeySet();

    /**
     * @param timeout how long a read waits for the view to catch up, and a write for Kafka's acknowledgement
     */
    public CursorTopic(CursorView view, KafkaTemplate<String, byte[]> template, Duration timeout) {
        this.view = view;
        this.template = template;
        this.timeout = timeout;
    }

    /**
     * The current cursor of {@code workflowId} (the view caught up with the topic's end first).
     *
     * @param legacy the workflow's cursor file from before the topic, if any (read only once per workflow and process)
     * @throws Unavailable when the topic could not be read to its end in time
     */
    public Optional<TriggerCursor> read(String workflowId, Supplier<Optional<TriggerCursor>> legacy) {
        checkId(workflowId);
        if (!view.awaitCaughtUp(timeout)) {
            throw new Unavailable(Topics.TRIGGER_CURSORS + " could not be read to its end within " + timeout.toMillis()
                    + " ms (cursor of workflow '" + workflowId + "')");
        }
        Optional<TriggerCursor> onTopic = view.find(workflowId);
        if (!legacyChecked.contains(workflowId)) {
            Optional<TriggerCursor> file = legacy.get();
            if (file.isPresent() && TriggerCursor.newer(onTopic.orElse(null), file.get()) == file.get()
                    && !file.equals(onTopic)) {
                write(file.get());
                log.info("cursor of workflow '{}' published from the data folder (it was further than {})", workflowId,
                        onTopic.isPresent() ? "the topic's" : "nothing on the topic");
                onTopic = file;
            }
            legacyChecked.add(workflowId);
        }
        return onTopic;
    }

    /** The cursor of {@code workflowId} as far as the view has read, without catching up (to compare with). */
    public Optional<TriggerCursor> known(String workflowId) {
        return view.find(workflowId);
    }

    /**
     * Sends {@code cursor} and waits for Kafka's acknowledgement.
     *
     * @throws Unavailable when it did not come in time
     */
    public void write(TriggerCursor cursor) {
        checkId(cursor.workflowId());
        send(cursor.workflowId(), Json.toBytes(cursor.validated()));
    }

    /** Forgets the cursor of a deleted workflow (a tombstone), acknowledged. */
    public void delete(String workflowId) {
        checkId(workflowId);
        send(workflowId, null);
        legacyChecked.add(workflowId); // a file left behind must not bring it back
    }

    private void send(String workflowId, byte[] value) {
        try {
            template.send(Topics.TRIGGER_CURSORS, workflowId, value).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new Unavailable("cursor of workflow '" + workflowId + "' not acknowledged by Kafka: "
                    + (e.getCause() == null ? e : e.getCause()));
        } catch (TimeoutException e) {
            throw new Unavailable("cursor of workflow '" + workflowId + "' not acknowledged by Kafka within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while writing the cursor of workflow '" + workflowId + "'");
        }
    }

    private static void checkId(String workflowId) {
        if (!Ids.isSafe(workflowId)) {
            throw new UnsafeIdException("workflow id", workflowId);
        }
    }

    /** The cursor topic could not be read or written in time (Kafka unreachable): the source tries again. */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message) {
            super(message);
        }
    }
}
