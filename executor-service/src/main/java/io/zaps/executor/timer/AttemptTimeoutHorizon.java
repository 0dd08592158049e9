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
 * wall clock has passed {@code d} and either
 * <ul>
 *   <li>the task's stream time (the latest timestamp of the commands it has read: when they were produced) has passed
 *       {@code d} too, so that what was written before the deadline has been read, or</li>
 *   <li>the task is idle: it has read a command, and none for {@code idleAfter} since (a quiet partition: its timeouts
 *       fire on time when it read nothing in the {@code idleAfter} before the deadline), or, having read none since it
 *       was initialized, {@code firstRecordWait} has passed — a task that just took a partition over may read nothing
 *       for seconds while the dead member's open transaction is aborted or a broker's partitions move (scale-out proof
 *       run 7), so it waits longer for its first records.</li>
 * </ul>
 *
 * <p>Holding a timeout only makes it later, never earlier. Delays and retries are not held: their firing cannot be
 * contradicted by a queued command.
 */
public final class AttemptTimeoutHorizon {
    private AttemptTimeoutHorizon() {}

    /**
     * @param now             the wall clock
     * @param streamTimeMs    the task's stream time (the largest timestamp of the records it has read, epoch millis);
     *                        negative when unknown
     * @param initializedAt   when (wall clock) the task was initialized
     * @param lastRecordAt    when (wall clock) the task last read a record since then; null if it has read none
     * @param idleAfter       after how long without a record a task that has read one counts as idle
     * @param firstRecordWait after how long a task that has read no record since it was initialized counts as idle
     * @return attempt timeouts due at or before this may fire
     */
    public static Instant horizon(Instant now, long streamTimeMs, Instant initializedAt, Instant lastRecordAt,
                                  Duration idleAfter, Duration firstRecordWait) {
        Instant idleFrom = lastRecordAt == null ? initializedAt.plus(firstRecordWait) : lastRecordAt.plus(idleAfter);
        if (!now.isBefore(idleFrom)) {
            return now; // idle: nothing is queued ahead of what it read; the wall clock decides
        }
        if (streamTimeMs < 0) {
            return Instant.EPOCH; // nothing read, records may be on their way: wait for them or for idleness
        }
        Instant streamTime = Instant.ofEpochMilli(streamTimeMs);
        return streamTime.isBefore(now) ? streamTime : now;
    }
}
