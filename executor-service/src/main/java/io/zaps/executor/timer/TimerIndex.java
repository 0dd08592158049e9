package io.zaps.executor.timer;

import io.zaps.contract.command.FireTimer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The pending timers of one task's live runs, in memory, earliest first.
 *
 * <p>Not stored: a timer is a function of its run's state
 * ({@link io.zaps.executor.run.RunStateMachine#pendingTimers}), and the run's state is stored durably
 * (the changelogged {@code runs} store). The processor rebuilds this index from the live runs whenever
 * its task starts (a restart, a partition moving to this instance, a task revived after an aborted
 * transaction) and keeps it up to date from each decision's timer effects. Keeping timers in a store of
 * their own cost every step attempt two changelog records (its timeout scheduled, then deleted) in the
 * exactly-once transactions on the path of every run, and RocksDB tombstones that timer scans had to
 * step over (docs/benchmarks.md, sessions 6 and 7).
 *
 * <p>Attempt timeouts are kept apart from the other timers, because they may be held back longer than the wall clock
 * says ({@link AttemptTimeoutHorizon}): {@link #due(Instant, Instant, int)} takes them up to a horizon of their own
 * without stepping over the held ones at every punctuation.
 *
 * <p>Not thread-safe: one task's stream thread uses it.
 */
public final class TimerIndex {
    /** Due time first, then the rest of the key, so that equal due times keep a stable order. */
    static final Comparator<TimerKey> ORDER = Comparator.comparing(TimerKey::dueAt)
            .thenComparing(TimerKey::runId)
            .thenComparing(TimerKey::stepId)
            .thenComparingInt(TimerKey::attempt)
            .thenComparing(TimerKey::kind);

    /** Delays and retries. */
    private final NavigableSet<TimerKey> timers = new TreeSet<>(ORDER);
    /** {@link FireTimer.Kind#ATTEMPT_TIMEOUT} timers. */
    private final NavigableSet<TimerKey> timeouts = new TreeSet<>(ORDER);

    public void schedule(TimerKey key) {
        setOf(key).add(key);
    }

    /** Drops the timer if it is there (a cancel may find it already fired). */
    public void delete(TimerKey key) {
        setOf(key).remove(key);
    }

    private NavigableSet<TimerKey> setOf(TimerKey key) {
        return key.kind() == FireTimer.Kind.ATTEMPT_TIMEOUT ? timeouts : timers;
    }

    /**
     * Up to {@code max} timers due at or before {@code now}, oldest first, left in the index: the caller
     * deletes each before acting on it (or keeps it for the next round).
     */
    public List<TimerKey> due(Instant now, int max) {
        return due(now, now, max);
    }

    /**
     * Up to {@code max} timers, oldest first, left in the index: delays and retries due at or before {@code now},
     * attempt timeouts due at or before {@code timeoutsUntil} (and {@code now}).
     */
    public List<TimerKey> due(Instant now, Instant timeoutsUntil, int max) {
        Instant timeoutHorizon = timeoutsUntil.isAfter(now) ? now : timeoutsUntil;
        Iterator<TimerKey> others = timers.iterator();
        Iterator<TimerKey> held = timeouts.iterator();
        TimerKey other = next(others, now);
        TimerKey timeout = next(held, timeoutHorizon);
        List<TimerKey> due = new ArrayList<>();
        while (due.size() < max && (other != null || timeout != null)) {
            if (timeout == null || (other != null && ORDER.compare(other, timeout) <= 0)) {
                due.add(other);
                other = next(others, now);
            } else {
                due.add(timeout);
                timeout = next(held, timeoutHorizon);
            }
        }
        return due;
    }

    /** The iterator's next timer if it is due at or before {@code until}; null otherwise. */
    private static TimerKey next(Iterator<TimerKey> it, Instant until) {
        if (!it.hasNext()) {
            return null;
        }
        TimerKey key = it.next();
        return key.dueAt().isAfter(until) ? null : key;
    }

    /** How many attempt timeouts are due at or before {@code now} (steps over each: for a log line, not every punctuation). */
    public int attemptTimeoutsDue(Instant now) {
        int due = 0;
        for (TimerKey key : timeouts) {
            if (key.dueAt().isAfter(now)) {
                break;
            }
            due++;
        }
        return due;
    }

    /** Whether an attempt timeout is due at or before {@code now}. */
    public boolean hasAttemptTimeoutDue(Instant now) {
        return !timeouts.isEmpty() && !timeouts.first().dueAt().isAfter(now);
    }

    public int size() {
        return timers.size() + timeouts.size();
    }

    public void clear() {
        timers.clear();
        timeouts.clear();
    }
}
