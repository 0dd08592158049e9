package io.zaps.executor.timer;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.FireTimer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Durable timers over a changelogged key-value store: a timer survives restarts and moves with its
 * run's partition, because it lives in the same task as the run's state. The value is the
 * {@link FireTimer} the timer will feed back (kept for people reading the changelog); the key alone
 * is authoritative.
 */
public final class TimerStore {
    private final KeyValueStore<String, byte[]> store;
    /**
     * Every timer due before this instant has been handed out by {@link #due} (its caller deletes it), unless
     * one was scheduled since with an earlier time, which moves this back to it. Scans start here, not at the
     * epoch: a deleted timer stays in RocksDB as a tombstone until a compaction drops it, and every step
     * attempt schedules and deletes one (its timeout), so a scan from the epoch stepped over thousands of
     * them, each task every timer interval (2-7 ms a scan at 50 runs/s, up to 30 ms; the executor's thread
     * does nothing else meanwhile; docs/benchmarks.md, session 6). Kept in memory only: a new instance (a
     * restart, a partition moving here) scans from the epoch once.
     */
    private Instant scanFrom = Instant.EPOCH;

    public TimerStore(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    public void schedule(TimerKey key) {
        FireTimer fire = toCommand(key);
        store.put(key.encode(), Json.toBytes(fire));
        if (key.dueAt().isBefore(scanFrom)) {
            scanFrom = key.dueAt();
        }
    }

    /**
     * Up to {@code max} timers due at or before {@code now}, oldest first. The caller deletes each (or
     * schedules it again); a timer it does neither with is not handed out again by this instance.
     */
    public List<TimerKey> due(Instant now, int max) {
        List<TimerKey> due = new ArrayList<>();
        if (now.isBefore(scanFrom)) {
            return due; // the clock went back: nothing can be due that was not before
        }
        try (KeyValueIterator<String, byte[]> it = store.range(TimerKey.lowerBound(scanFrom), TimerKey.upperBound(now))) {
            while (it.hasNext() && due.size() < max) {
                KeyValue<String, byte[]> entry = it.next();
                due.add(TimerKey.decode(entry.key));
            }
        }
        // All due timers handed out: the next scan starts at now. Stopped at max: at the last one handed
        // out (timers due in the same millisecond may follow it).
        scanFrom = due.size() < max ? now : due.get(due.size() - 1).dueAt();
        return due;
    }

    public void delete(TimerKey key) {
        store.delete(key.encode());
    }

    public static FireTimer toCommand(TimerKey key) {
        // A delay timer's command carries no kind, exactly as before kinds existed.
        return new FireTimer(SchemaVersions.CURRENT, key.runId(), key.stepId(), key.attempt(), key.dueAt(),
                key.kind() == FireTimer.Kind.DELAY ? null : key.kind());
    }
}
