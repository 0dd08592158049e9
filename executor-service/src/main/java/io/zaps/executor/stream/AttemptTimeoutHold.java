package io.zaps.executor.stream;

import io.zaps.executor.timer.AttemptTimeoutHorizon;
import io.zaps.executor.timer.TimerIndex;
import org.apache.kafka.streams.processor.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;

/**
 * How far one task lets its attempt timeouts fire ({@link AttemptTimeoutHorizon}): it remembers when the task was
 * initialized and when it last read a command, and logs once when due attempt timeouts start waiting and once when
 * they go by the wall clock again.
 *
 * <p>Contract: {@link #reset} when the task is (re)initialized, {@link #read} for each command, then per punctuation
 * {@link #horizon} before the timers are taken and {@link #update} after. Used by the task's thread only.
 */
final class AttemptTimeoutHold {
    /** The processor's logger: the log levels and filters set for it keep applying to these lines. */
    private static final Logger log = LoggerFactory.getLogger(RunCommandProcessor.class);
    /**
     * A task that read a command and none for this long is not catching up a backlog: its attempt timeouts fire by the
     * wall clock alone ({@link AttemptTimeoutHorizon}). Short, so that on a quiet partition even a {@code wait_for_event}
     * of 1 s (no grace) times out at most a second late.
     */
    static final Duration ATTEMPT_TIMEOUT_IDLE = Duration.ofSeconds(2);
    /**
     * How long a task that has read no command since it was initialized waits for its first records before its attempt
     * timeouts go by the wall clock alone: a task that took a partition over may read nothing for seconds (scale-out
     * proof run 7: more than 2 s) while the dead member's open transaction is aborted (Kafka Streams'
     * {@code transaction.timeout.ms}, 10 s, plus the coordinator's abort scan, up to 10 s) or a broker's partitions move.
     * Costs a delay only to overdue timeouts on a partition that stays quiet after a restart or rebalance.
     */
    static final Duration ATTEMPT_TIMEOUT_FIRST_RECORD_WAIT = Duration.ofSeconds(30);

    private TaskId task;
    /** When (the processor's clock) the task was initialized, and last read a command since (null: none yet). */
    private Instant initializedAt;
    private Instant lastRecordAt;
    /** Whether the last punctuation left attempt timeouts due by the wall clock waiting (logged when it starts and ends). */
    private boolean holding;

    /** The task {@code task} was (re)initialized at {@code at}: it has read nothing since and holds nothing yet. */
    void reset(TaskId task, Instant at) {
        this.task = task;
        this.initializedAt = at;
        this.lastRecordAt = null;
        this.holding = false;
    }

    /** The task read a command at {@code at}. */
    void read(Instant at) {
        this.lastRecordAt = at;
    }

    /** Attempt timeouts due at or before this may fire now; {@code streamTimeMs} is the task's stream time (negative: unknown). */
    Instant horizon(Instant now, long streamTimeMs) {
        return AttemptTimeoutHorizon.horizon(now, streamTimeMs, initializedAt, lastRecordAt,
                ATTEMPT_TIMEOUT_IDLE, ATTEMPT_TIMEOUT_FIRST_RECORD_WAIT);
    }

    /** After the due timers were taken up to {@code timeoutsUntil}: notes (and logs a change in) whether {@code timers} still holds due attempt timeouts back. */
    void update(Instant now, Instant timeoutsUntil, TimerIndex timers) {
        boolean holdingNow = timeoutsUntil.isBefore(now) && timers.hasAttemptTimeoutDue(now);
        if (holdingNow != holding) {
            holding = holdingNow;
            if (holdingNow) {
                log.info("task {}: {} attempt timeouts due by the wall clock wait until the task has read the commands written "
                        + "before them (it has read up to {})", task, timers.attemptTimeoutsDue(now), timeoutsUntil);
            } else {
                log.info("task {}: attempt timeouts go by the wall clock again", task);
            }
        }
    }
}
