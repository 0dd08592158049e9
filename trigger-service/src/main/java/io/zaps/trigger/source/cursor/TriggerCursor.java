package io.zaps.trigger.source.cursor;

import io.zaps.trigger.source.mail.MailboxCursor;
import io.zaps.trigger.source.schedule.ScheduleCursor;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;
import java.util.Objects;

/**
 * One record of {@link io.zaps.contract.Topics#TRIGGER_CURSORS}: the cursor of one workflow's trigger source, exactly
 * one of {@code schedule} and {@code mailbox} (a workflow has one trigger).
 * <pre>
 * {"workflow_id": ..., "schedule": {"workflow_id", "cron", "timezone", "workflow_created_at", "last_tick", "active", "updated_at"}}
 * {"workflow_id": ..., "mailbox": {"mailbox", "uid_validity", "last_uid", "updated_at"}}
 * </pre>
 * {@link #newer} is the one rule that decides which of two cursors of a workflow stands (the view, a file found on
 * upgrade). Pure: no Kafka, no files.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TriggerCursor(String workflowId, ScheduleCursor schedule, MailboxCursor mailbox) {

    public static TriggerCursor of(ScheduleCursor schedule) {
        return new TriggerCursor(schedule.workflowId(), schedule, null);
    }

    public static TriggerCursor of(String workflowId, MailboxCursor mailbox) {
        return new TriggerCursor(workflowId, null, mailbox);
    }

    /** This record, checked: a workflow id and exactly one cursor with its position. */
    public TriggerCursor validated() {
        if (workflowId == null || workflowId.isBlank()) {
            throw new IllegalArgumentException("a trigger cursor needs a workflow_id");
        }
        if ((schedule == null) == (mailbox == null)) {
            throw new IllegalArgumentException("a trigger cursor holds exactly one of schedule and mailbox");
        }
        if (schedule != null && (schedule.lastTick() == null || !workflowId.equals(schedule.workflowId()))) {
            throw new IllegalArgumentException("a schedule cursor needs its workflow_id and a last_tick");
        }
        if (mailbox != null && mailbox.mailbox() == null) {
            throw new IllegalArgumentException("a mailbox cursor needs its mailbox");
        }
        return this;
    }

    /** When it was written (by the clock of the instance that wrote it). */
    Instant updatedAt() {
        Instant at = schedule != null ? schedule.updatedAt() : mailbox != null ? mailbox.updatedAt() : null;
        return at == null ? Instant.MIN : at;
    }

    /**
     * Which of the cursor kept for a workflow and one just read stands; on a tie, the one kept.
     * <ul>
     *   <li>Two cursors of the same schedule (cron, timezone, the workflow's {@code created_at}): the later
     *       {@code last_tick}; at the same tick the later write (a pause keeps the tick and says {@code active: false}).</li>
     *   <li>Two cursors of the same mailbox and folder generation (UIDVALIDITY): the higher {@code last_uid}; at the same
     *       UID the later write.</li>
     *   <li>Otherwise (the schedule or the mailbox was changed, the trigger changed kind): the later write, which is the
     *       one made for the current definition. Only here do the instances' clocks matter.</li>
     * </ul>
     * So a late or repeated write of a cursor that an owner has since moved on from changes nothing.
     */
    public static TriggerCursor newer(TriggerCursor kept, TriggerCursor incoming) {
        if (kept == null) {
            return incoming;
        }
        if (incoming == null) {
            return kept;
        }
        int position = 0;
        if (kept.schedule != null && incoming.schedule != null && sameSchedule(kept.schedule, incoming.schedule)) {
            position = incoming.schedule.lastTick().compareTo(kept.schedule.lastTick());
        } else if (kept.mailbox != null && incoming.mailbox != null && sameFolder(kept.mailbox, incoming.mailbox)) {
            position = Long.compare(incoming.mailbox.lastUid(), kept.mailbox.lastUid());
        }
        if (position != 0) {
            return position > 0 ? incoming : kept;
        }
        return incoming.updatedAt().isAfter(kept.updatedAt()) ? incoming : kept;
    }

    private static boolean sameSchedule(ScheduleCursor a, ScheduleCursor b) {
        return Objects.equals(a.cron(), b.cron()) && Objects.equals(a.timezone(), b.timezone())
                && Objects.equals(a.workflowCreatedAt(), b.workflowCreatedAt());
    }

    private static boolean sameFolder(MailboxCursor a, MailboxCursor b) {
        return Objects.equals(a.mailbox(), b.mailbox()) && a.uidValidity() == b.uidValidity();
    }
}
