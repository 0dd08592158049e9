package io.zaps.trigger.source.schedule;

import io.zaps.contract.trigger.ScheduleTrigger;
import io.zaps.contract.trigger.Schedules;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides which ticks of a schedule fire now. Pure: the cursor and the time are passed in, nothing is read or written.
 *
 * <ul>
 *   <li>No cursor, a cursor of another cron, time zone or former workflow of the same id, or a workflow that was
 *       paused: the schedule starts now (a tick at or before now does not fire).</li>
 *   <li>Every tick after the cursor and at or before now that is at most {@code catchUp} old fires, each on its own:
 *       the usual single due tick, and also the ticks missed over a restart or a hand-over between instances.</li>
 *   <li>Older missed ticks follow the workflow's {@code missed} policy: {@code fire_once} fires the latest of them,
 *       unless a tick within the catch-up window fires anyway (it stands for them); {@code skip} fires none.</li>
 *   <li>A workflow that is not active fires nothing; its cursor is marked inactive so that it starts afresh when
 *       it is resumed.</li>
 * </ul>
 */
public final class SchedulePlanner {
    /** The most ticks fired in one plan; a longer catch-up continues with the next plan (right away). */
    static final int MAX_FIRES_PER_PLAN = 1000;

    private final Duration catchUp;

    public SchedulePlanner(Duration catchUp) {
        if (catchUp.isNegative()) {
            throw new IllegalArgumentException("catch-up window must not be negative");
        }
        this.catchUp = catchUp;
    }

    /**
     * The first tick strictly after {@code after}. Ticks fall on whole seconds; {@link Schedules#nextAfter} carries a
     * fraction of a second of its argument over into the answer (10:00:00.3 gives 10:00:01.3), so the fraction is cut
     * off first, which does not change the answer for whole-second ticks.
     */
    static Optional<Instant> nextAfter(Schedules schedule, Instant after) {
        return schedule.nextAfter(after.truncatedTo(ChronoUnit.SECONDS));
    }

    /**
     * @param workflowId        the workflow
     * @param workflowCreatedAt its {@code created_at}
     * @param active            whether it accepts triggers
     * @param trigger           its schedule
     * @param cursor            the stored cursor, or null
     * @param now               the current time
     */
    public SchedulePlan plan(String workflowId, Instant workflowCreatedAt, boolean active, ScheduleTrigger trigger,
                             ScheduleCursor cursor, Instant now) {
        Schedules schedule = Schedules.of(trigger.cron(), trigger.timezone());
        if (!active) {
            if (cursor != null && cursor.active()) {
                return new SchedulePlan(List.of(), Optional.of(cursor.deactivated(now)), Optional.empty(), "workflow not active: schedule stopped");
            }
            return new SchedulePlan(List.of(), Optional.empty(), Optional.empty(), "");
        }
        if (cursor == null || !cursor.active() || !cursor.sameScheduleAs(trigger, workflowCreatedAt) || cursor.lastTick() == null) {
            String why = cursor == null || cursor.lastTick() == null ? "new schedule"
                    : !cursor.active() ? "workflow active again" : "schedule changed";
            return new SchedulePlan(List.of(), Optional.of(ScheduleCursor.startingAt(workflowId, trigger, workflowCreatedAt, now)),
                    nextAfter(schedule, now), why + ": starts now");
        }
        Optional<Instant> first = nextAfter(schedule, cursor.lastTick());
        if (first.isEmpty() || first.get().isAfter(now)) {
            return new SchedulePlan(List.of(), Optional.empty(), first, "");
        }
        Instant windowStart = now.minus(catchUp);
        List<Instant> fire = new ArrayList<>();
        Optional<Instant> next = first;
        String note = "";
        Instant passedOver = null;
        if (first.get().isBefore(windowStart)) {
            // Ticks older than the window were missed while no instance ran this schedule.
            Instant latestMissed = schedule.latestAtOrBefore(windowStart.minusNanos(1)).orElse(first.get());
            next = nextAfter(schedule, latestMissed);
            boolean recentDue = next.isPresent() && !next.get().isAfter(now);
            if (recentDue) {
                note = "missed ticks up to " + latestMissed + " passed over: a tick within the catch-up window fires";
                passedOver = latestMissed;
            } else if (trigger.fireOnceWhenMissed()) {
                note = "missed ticks up to " + latestMissed + ": fired once for the latest (missed: fire_once)";
                fire.add(latestMissed);
            } else {
                note = "missed ticks up to " + latestMissed + " skipped (missed: skip)";
                passedOver = latestMissed;
            }
        } else if (!first.get().plus(Duration.ofSeconds(1)).isAfter(now)) {
            note = "catching up ticks from " + first.get();
        }
        while (next.isPresent() && !next.get().isAfter(now) && fire.size() < MAX_FIRES_PER_PLAN) {
            fire.add(next.get());
            next = nextAfter(schedule, next.get());
        }
        if (fire.isEmpty()) {
            ScheduleCursor moved = cursor.advancedTo(passedOver, now);
            return new SchedulePlan(List.of(), Optional.of(moved), nextAfter(schedule, moved.lastTick()), note);
        }
        return new SchedulePlan(fire, Optional.empty(), nextAfter(schedule, fire.get(fire.size() - 1)), note);
    }
}
