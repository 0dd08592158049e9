package io.zaps.executor.timer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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
 * <p>Not thread-safe: one task's stream thread uses it.
 */
public final class TimerIndex {
    /** Due time first, then the rest of the key, so that equal due times keep a stable order. */
    static final Comparator<TimerKey> ORDER = Comparator.comparing(TimerKey::dueAt)
            .thenComparing(TimerKey::runId)
            .thenComparing(TimerKey::stepId)
            .thenComparingInt(TimerKey::attempt)
            .thenComparing(TimerKey::kind);

    private final NavigableSet<TimerKey> timers = new TreeSet<>(ORDER);

    public void schedule(TimerKey key) {
        timers.add(key);
    }

    /** Drops the timer if it is there (a cancel may find it already fired). */
    public void delete(TimerKey key) {
        timers.remove(key);
    }

    /**
     * Up to {@code max} timers due at or before {@code now}, oldest first, left in the index: the caller
     * deletes each before acting on it (or keeps it for the next round).
     */
    public List<TimerKey> due(Instant now, int max) {
        List<TimerKey> due = new ArrayList<>();
        for (TimerKey key : timers) {
            if (due.size() == max || key.dueAt().isAfter(now)) {
                break;
            }
            due.add(key);
        }
        return due;
    }

    public int size() {
        return timers.size();
    }

    public void clear() {
        timers.clear();
    }
}
