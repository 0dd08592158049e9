package io.zaps.contract.trigger;

import java.time.ZoneId;

/**
 * {@code {"type": "schedule", "cron": "0 9 * * MON-FRI", "timezone": "Europe/Berlin", "missed": "fire_once"}}: one run
 * per tick of {@code cron} (5 fields as in crontab, or 6 with seconds first as in Spring), evaluated in
 * {@code timezone}. Each tick starts exactly one run: its event id is {@link #eventId(String, java.time.Instant)}.
 *
 * @param cron     the expression, see {@link Schedules}
 * @param timezone where the expression is evaluated (default UTC)
 * @param missed   ticks that fell due while no trigger service was running: {@code fire_once} starts one run for the
 *                 latest of them when a service is back; {@code skip} starts none
 */
public record ScheduleTrigger(String cron, ZoneId timezone, String missed) implements TriggerSpec {
    public static final String TYPE = "schedule";
    public static final String MISSED_FIRE_ONCE = "fire_once";
    public static final String MISSED_SKIP = "skip";

    @Override
    public String type() {
        return TYPE;
    }

    public boolean fireOnceWhenMissed() {
        return MISSED_FIRE_ONCE.equals(missed);
    }

    /** The event id of the run for {@code tick}: the same tick can never start two runs. */
    public static String eventId(String workflowId, java.time.Instant tick) {
        return "schedule:" + workflowId + ":" + tick;
    }
}
