package io.zaps.executor.stream;

import io.zaps.contract.Json;
import io.zaps.executor.metrics.ExecutorMeters;
import io.zaps.executor.run.Effect;
import io.zaps.executor.run.RunState;
import io.zaps.executor.run.RunStateMachine;
import io.zaps.executor.timer.TimerIndex;
import io.zaps.executor.timer.TimerKey;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The timers one task waits on. They are not stored: {@link #initialize} derives them from the stored state of the
 * task's live runs ({@link RunStateMachine#pendingTimers}), the decisions' timer effects keep them current
 * ({@link #schedule(Effect.ScheduleTimer)}, {@link #cancel}), and each punctuation takes the due ones
 * ({@link #fireDue}): delays and retries by the wall clock, attempt timeouts no further than the task's
 * {@link AttemptTimeoutHold}.
 *
 * <p>Firing a timer is the caller's: this class hands each due timer over once, after taking it out of the index, and
 * the caller may {@link #schedule(TimerKey) schedule} it again. Used by the task's thread only.
 */
final class TaskTimers {
    /** The processor's logger: the log levels and filters set for it keep applying to these lines. */
    private static final Logger log = LoggerFactory.getLogger(RunCommandProcessor.class);
    /** Bounds one punctuation so a burst of due timers cannot stall the task past its poll interval. */
    private static final int MAX_TIMERS_PER_PUNCTUATION = 1_000;

    private final RunStateMachine machine;
    private final ExecutorMeters meters;
    private final TimerIndex index = new TimerIndex();
    private final AttemptTimeoutHold hold = new AttemptTimeoutHold();

    TaskTimers(RunStateMachine machine, ExecutorMeters meters) {
        this.machine = machine;
        this.meters = meters;
    }

    /**
     * The task {@code task} was (re)initialized at {@code at}: the timers of every live run in {@code runs}, derived from
     * its stored state, replace whatever was indexed. Runs before the first command of the task (after restoration), so
     * a delay that fell due while no instance owned the partition fires at the first punctuation.
     *
     * @param parsed receives each run's parsed state (its next command need not parse it again)
     */
    void initialize(TaskId task, Instant at, KeyValueStore<String, byte[]> runs, BiConsumer<String, RunState> parsed) {
        hold.reset(task, at);
        index.clear();
        long started = System.nanoTime();
        int live = 0;
        try (KeyValueIterator<String, byte[]> it = runs.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> entry = it.next();
                live++;
                try {
                    RunState state = Json.read(entry.value, RunState.class);
                    parsed.accept(entry.key, state);
                    for (Effect.ScheduleTimer timer : machine.pendingTimers(state)) {
                        index.schedule(key(timer));
                    }
                } catch (RuntimeException e) {
                    // Its commands are dead-lettered for the same reason; the other runs' timers must not wait on it.
                    log.error("cannot derive the timers of run {}; it has none until it changes", entry.key, e);
                }
            }
        }
        if (live > 0) {
            log.info("task {}: {} timers of {} live runs derived in {} ms", task, index.size(), live,
                    Duration.ofNanos(System.nanoTime() - started).toMillis());
        }
    }

    /** The task read a command at {@code at} (its attempt timeouts may be held for the commands behind it). */
    void read(Instant at) {
        hold.read(at);
    }

    void schedule(Effect.ScheduleTimer timer) {
        index.schedule(key(timer));
    }

    /** Indexes {@code key} again (a timer handed over by {@link #fireDue} that its run was not ready for). */
    void schedule(TimerKey key) {
        index.schedule(key);
    }

    void cancel(Effect.CancelTimer cancel) {
        index.delete(new TimerKey(cancel.dueAt(), cancel.runId(), cancel.stepId(), cancel.attempt(), cancel.kind()));
    }

    /**
     * Takes the due delays and retries, and the due attempt timeouts up to the {@link AttemptTimeoutHold}'s horizon (a
     * task catching up a backlog first reads the results written before an attempt's deadline), at most
     * {@value #MAX_TIMERS_PER_PUNCTUATION}, in due order: each leaves the index, its lag is recorded, and it goes to
     * {@code fire}.
     *
     * @param streamTimeMs the task's stream time (negative: unknown)
     * @return how many due timers were taken
     */
    int fireDue(Instant now, long streamTimeMs, Consumer<TimerKey> fire) {
        Instant timeoutsUntil = hold.horizon(now, streamTimeMs);
        List<TimerKey> due = index.due(now, timeoutsUntil, MAX_TIMERS_PER_PUNCTUATION);
        for (TimerKey key : due) {
            index.delete(key);
            meters.timerFired(key.kind(), Duration.between(key.dueAt(), now));
            fire.accept(key);
        }
        hold.update(now, timeoutsUntil, index);
        return due.size();
    }

    /** How many timers the task waits on. */
    int size() {
        return index.size();
    }

    void clear() {
        index.clear();
    }

    private static TimerKey key(Effect.ScheduleTimer timer) {
        return new TimerKey(timer.dueAt(), timer.runId(), timer.stepId(), timer.attempt(), timer.kind());
    }
}
