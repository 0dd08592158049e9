package io.zaps.executor.timer;

import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.FireTimer;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * A pending timer of a run, as the {@link TimerIndex} holds it.
 *
 * @param dueAt   when the timer is due, rounded up to milliseconds
 * @param runId   the run
 * @param stepId  the step
 * @param attempt the step attempt the timer belongs to (for {@code retry}: the attempt it starts)
 * @param kind    what the timer is for
 */
public record TimerKey(Instant dueAt, String runId, String stepId, int attempt, FireTimer.Kind kind) {

    public TimerKey {
        Objects.requireNonNull(dueAt, "dueAt");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(stepId, "stepId");
        kind = kind == null ? FireTimer.Kind.DELAY : kind;
        // Rounded up: a timer must never be found before its due time, or it would fire too early.
        Instant truncated = dueAt.truncatedTo(ChronoUnit.MILLIS);
        dueAt = Instant.ofEpochMilli(Math.max(0, truncated.equals(dueAt) ? truncated.toEpochMilli() : truncated.toEpochMilli() + 1));
    }

    /** A delay timer. */
    public TimerKey(Instant dueAt, String runId, String stepId, int attempt) {
        this(dueAt, runId, stepId, attempt, FireTimer.Kind.DELAY);
    }

    /** The command this timer feeds back to the run's state machine when it is due. */
    public FireTimer command() {
        // A delay timer's command carries no kind, exactly as before kinds existed.
        return new FireTimer(SchemaVersions.CURRENT, runId, stepId, attempt, dueAt, kind == FireTimer.Kind.DELAY ? null : kind);
    }

    @Override
    public String toString() {
        return kind.wireName() + " timer of run " + runId + " step " + stepId + " attempt " + attempt + " due " + dueAt;
    }
}
