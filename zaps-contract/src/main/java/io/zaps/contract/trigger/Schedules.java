package io.zaps.contract.trigger;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * Cron expressions, parsed with cron-utils: five fields as in crontab ({@code minute hour day-of-month month
 * day-of-week}, e.g. {@code 0 9 * * MON-FRI}) or six with seconds first as in Spring ({@code 0 0 9 * * MON-FRI}).
 * Pure: the caller passes the instant to compute from.
 */
public final class Schedules {
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final CronParser SPRING = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING53));

    private final ExecutionTime executionTime;
    private final ZoneId zone;

    private Schedules(ExecutionTime executionTime, ZoneId zone) {
        this.executionTime = executionTime;
        this.zone = zone;
    }

    /** The schedule of {@code cron} in {@code zone}; throws {@link IllegalArgumentException} naming the problem. */
    public static Schedules of(String cron, ZoneId zone) {
        if (cron == null || cron.isBlank()) {
            throw new IllegalArgumentException("is required");
        }
        String trimmed = cron.strip();
        int fields = trimmed.split("\\s+").length;
        CronParser parser = switch (fields) {
            case 5 -> UNIX;
            case 6 -> SPRING;
            default -> throw new IllegalArgumentException("must have 5 fields (minute hour day month weekday) or 6 (seconds first); had " + fields);
        };
        try {
            Cron parsed = parser.parse(trimmed).validate();
            return new Schedules(ExecutionTime.forCron(parsed), zone);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("is not a valid cron expression: " + e.getMessage(), e);
        }
    }

    /** The first tick strictly after {@code after}, if the expression ever fires again. */
    public Optional<Instant> nextAfter(Instant after) {
        // Ticks are whole seconds; cron-utils would carry a fraction of the argument over into the result.
        Instant whole = after.truncatedTo(ChronoUnit.SECONDS);
        return executionTime.nextExecution(ZonedDateTime.ofInstant(whole, zone)).map(ZonedDateTime::toInstant);
    }

    /** The last tick at or before {@code atOrBefore}, if there was one. */
    public Optional<Instant> latestAtOrBefore(Instant atOrBefore) {
        ZonedDateTime at = ZonedDateTime.ofInstant(atOrBefore.truncatedTo(ChronoUnit.SECONDS), zone);
        if (executionTime.isMatch(at)) {
            return Optional.of(at.toInstant());
        }
        return executionTime.lastExecution(at).map(ZonedDateTime::toInstant);
    }
}
