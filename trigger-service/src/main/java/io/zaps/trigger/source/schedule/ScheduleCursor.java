package io.zaps.trigger.source.schedule;

import io.zaps.contract.trigger.ScheduleTrigger;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;
import java.util.Objects;

/**
 * How far a workflow's schedule has been handled: every tick at or before {@code lastTick} has been fired (Kafka
 * acknowledged its trigger) or deliberately passed over (it lay before the schedule started, or was skipped by the
 * {@code missed} policy). Stored per workflow by {@link ScheduleCursors}.
 *
 * @param workflowId        the workflow
 * @param cron              the expression the ticks belong to; a workflow whose cron changed starts afresh
 * @param timezone          the zone the expression was evaluated in (IANA id); likewise
 * @param workflowCreatedAt the workflow's {@code created_at}: a workflow deleted and created again under the same id
 *                          starts afresh instead of catching up ticks of its former self
 * @param lastTick          ticks at or before this instant are handled
 * @param active            false while the workflow is paused or disabled: when it is active again its schedule
 *                          starts afresh (ticks that fell due while it was paused are not runs it missed)
 * @param updatedAt         when it was written
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ScheduleCursor(String workflowId, String cron, String timezone, Instant workflowCreatedAt,
                             Instant lastTick, boolean active, Instant updatedAt) {

    /** A schedule that starts at {@code now}: no tick at or before it fires. */
    static ScheduleCursor startingAt(String workflowId, ScheduleTrigger trigger, Instant workflowCreatedAt, Instant now) {
        return new ScheduleCursor(workflowId, trigger.cron(), trigger.timezone().getId(), workflowCreatedAt, now, true, now);
    }

    /** Whether this cursor belongs to {@code trigger} of the workflow created at {@code workflowCreatedAt}. */
    boolean sameScheduleAs(ScheduleTrigger trigger, Instant createdAt) {
        return Objects.equals(cron, trigger.cron()) && Objects.equals(timezone, trigger.timezone().getId())
                && Objects.equals(workflowCreatedAt, createdAt);
    }

    /** Ticks up to {@code tick} are handled. */
    public ScheduleCursor advancedTo(Instant tick, Instant now) {
        return new ScheduleCursor(workflowId, cron, timezone, workflowCreatedAt,
                lastTick == null || tick.isAfter(lastTick) ? tick : lastTick, active, now);
    }

    ScheduleCursor deactivated(Instant now) {
        return new ScheduleCursor(workflowId, cron, timezone, workflowCreatedAt, lastTick, false, now);
    }
}
