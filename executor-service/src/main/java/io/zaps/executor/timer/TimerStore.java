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

    public TimerStore(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    public void schedule(TimerKey key) {
        FireTimer fire = toCommand(key);
        store.put(key.encode(), Json.toBytes(fire));
    }

    /** Up to {@code max} timers due at or before {@code now}, oldest first. */
    public List<TimerKey> due(Instant now, int max) {
        List<TimerKey> due = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.range(TimerKey.lowerBound(), TimerKey.upperBound(now))) {
            while (it.hasNext() && due.size() < max) {
                KeyValue<String, byte[]> entry = it.next();
                due.add(TimerKey.decode(entry.key));
            }
        }
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
