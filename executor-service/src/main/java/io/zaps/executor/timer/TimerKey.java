package io.zaps.executor.timer;

import io.zaps.contract.command.FireTimer;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * The key of a durable timer in the {@code timers} store:
 * {@code <due epoch millis, 19 digits zero-padded>/<run id>/<step id>/<attempt>} for a delay timer
 * (the only kind before retries, so keys written then still read), and
 * {@code .../<attempt>/<kind>} for the other kinds ({@code retry}, {@code attempt_timeout}). Keys sort by due
 * time first (the store orders keys by their UTF-8 bytes), so a range scan from the lowest key up to
 * {@link #upperBound(Instant)} returns exactly the timers due by then, oldest first. Run ids (UUIDs)
 * and step ids ({@link io.zaps.contract.Ids#SAFE_ID}) never contain {@code /}.
 *
 * @param dueAt   when the timer is due, rounded up to milliseconds
 * @param runId   the run
 * @param stepId  the step
 * @param attempt the step attempt the timer belongs to
 * @param kind    what the timer is for
 */
public record TimerKey(Instant dueAt, String runId, String stepId, int attempt, FireTimer.Kind kind) {
    private static final int DIGITS = 19;
    private static final char SEPARATOR = '/';
    /** Sorts after every character that can follow the due-time digits in a key. */
    private static final char AFTER_ALL = '\uffff';

    public TimerKey {
        Objects.requireNonNull(dueAt, "dueAt");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(stepId, "stepId");
        kind = kind == null ? FireTimer.Kind.DELAY : kind;
        if (runId.indexOf(SEPARATOR) >= 0 || stepId.indexOf(SEPARATOR) >= 0) {
            throw new IllegalArgumentException("run and step ids of a timer must not contain '" + SEPARATOR + "'");
        }
        // Rounded up: a timer must never be found before its due time, or it would fire too early.
        Instant truncated = dueAt.truncatedTo(ChronoUnit.MILLIS);
        dueAt = Instant.ofEpochMilli(Math.max(0, truncated.equals(dueAt) ? truncated.toEpochMilli() : truncated.toEpochMilli() + 1));
    }

    /** A delay timer. */
    public TimerKey(Instant dueAt, String runId, String stepId, int attempt) {
        this(dueAt, runId, stepId, attempt, FireTimer.Kind.DELAY);
    }

    public String encode() {
        String key = millis(dueAt) + SEPARATOR + runId + SEPARATOR + stepId + SEPARATOR + attempt;
        return kind == FireTimer.Kind.DELAY ? key : key + SEPARATOR + kind.wireName();
    }

    public static TimerKey decode(String key) {
        String[] parts = key == null ? new String[0] : key.split(String.valueOf(SEPARATOR), -1);
        if (parts.length < 4 || parts.length > 5 || parts[0].length() != DIGITS) {
            throw new IllegalArgumentException("not a timer key: '" + key + "'");
        }
        FireTimer.Kind kind = FireTimer.Kind.DELAY;
        if (parts.length == 5) {
            kind = java.util.Arrays.stream(FireTimer.Kind.values()).filter(k -> k.wireName().equals(parts[4])).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("not a timer key (unknown kind): '" + key + "'"));
        }
        try {
            return new TimerKey(Instant.ofEpochMilli(Long.parseLong(parts[0])), parts[1], parts[2], Integer.parseInt(parts[3]), kind);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a timer key: '" + key + "'", e);
        }
    }

    /** The lowest possible key. */
    public static String lowerBound() {
        return lowerBound(Instant.EPOCH);
    }

    /** A key below every timer due at or after {@code from} and above every timer due earlier (inclusive range start). */
    public static String lowerBound(Instant from) {
        return millis(from);
    }

    /** A key above every timer due at or before {@code now} and below every timer due later (inclusive range end). */
    public static String upperBound(Instant now) {
        return millis(now) + AFTER_ALL;
    }

    private static String millis(Instant instant) {
        long value = Math.max(0, instant.toEpochMilli());
        String digits = Long.toString(value);
        return "0".repeat(DIGITS - digits.length()) + digits;
    }
}
