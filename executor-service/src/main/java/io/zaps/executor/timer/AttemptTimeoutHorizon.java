package io.zaps.executor.timer;

import java.time.Duration;
import java.time.Instant;

/**
 * Up to when a task may time step attempts out: the wall clock, unless the task is still reading commands written
 * before that time.
 *
 * <p>An attempt's result travels as a {@code complete_step} on {@code zaps.run-commands}; the task owning the run reads
 * it in partition order. A task that falls behind — above all one that has just taken a partition over from an
 * executor that died, and finds a backlog there — would otherwise fire an overdue attempt timeout at its first
 * wall-clock punctuation although the attempt's answer is in the backlog ahead of it, and fail a step whose side effect
 * happened (the scale-out proof's run 4, docs/benchmarks.md). So an attempt timeout due at {@code d} fires only when the
 * wall clock has passed {@code d} and either the task's stream time (the latest timestamp of the commands it has read:
 * when they were produced) has passed {@code d} too, so that what was written before the deadline has been read, or the
 * task has read nothing for {@code idleAfter}: a task that is not behind (nothing arrives) still times attempts out by the
 * wall clock, at most {@code idleAfter} late.
 *
 * <p>Delays and retries are not held: their firing cannot be contradicted by a queued command.
 */
public final class AttemptTimeoutHorizon {
    private AttemptTimeoutHorizon() {}

    /**
     * @param now          the wall clock
     * @param streamTimeMs the task's stream time (the largest timestamp of the records it has read, epoch millis);
     *                     negative when it has read none
     * @param lastRecordAt when (wall clock) the task last read a record, or was initialized if it has read none since
     * @param idleAfter    after how long without a record the task counts as idle
     * @return attempt timeouts due at or before this may fire
     */
    public static Instant horizon(Instant now, long streamTimeMs, Instant lastRecordAt, Duration idleAfter) {
        if (!now.isBefore(lastRecordAt.plus(idleAfter))) {
            return now; // idle: nothing is queued ahead (or it does not reach this task); the wall clock decides
        }
        if (streamTimeMs < 0) {
            return Instant.EPOCH; // nothing read yet, but records may be on their way: wait for them or for idleness
        }
        Instant streamTime = Instant.ofEpochMilli(streamTimeMs);
        return streamTime.isBefore(now) ? streamTime : now;
    }
}
