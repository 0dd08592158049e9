package io.zaps.gateway.run;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Admission control of triggers: how many runs this gateway accepted and has not yet seen end, and whether one more may
 * be accepted. A gateway that accepts more than the pipeline behind Kafka completes builds a backlog without bound, and
 * runs that wait in it longer than their steps' timeouts then fail (docs/benchmarks.md, sessions 10 and 11): past the
 * bound a trigger is refused with 429 and {@code Retry-After} before anything is published, so the caller keeps it.
 *
 * <p>A run counts from the moment its place is {@linkplain #tryAdmit reserved} (before its trigger is published) until
 * the gateway sees it end ({@link #finished}: its final snapshot projected here, or a final event read by the run-event
 * tail), the trigger was not accepted after all ({@link #release}), or it has counted for {@code countFor}. The last
 * keeps the count honest where no end is seen (another gateway projects the run's partition and the tail is off) and
 * lets runs that wait on purpose (a delay, an event) stop counting: a backlog is made of runs that do not end within
 * seconds, and with a bound below {@code countFor} times the completion rate every run of it ends before it stops
 * counting, so the bound holds.
 *
 * <p>A caller may wait a little for a place ({@link #admit}): at the bound, a place frees whenever a run ends, so a
 * short wait admits most triggers at the pace runs end instead of refusing them, and a client that resends a refused
 * request at once (not every client honours {@code Retry-After}) does not spend the CPU that the runs need on refusals.
 *
 * <p>No I/O; the clock of {@link #tryAdmit} is injected (a wait in {@link #admit} is real time). Thread-safe; the bound
 * is never passed.
 */
public final class RunAdmission {
    /** How often, at most, a full gate looks for runs that have counted long enough. */
    static final long EXPIRE_EVERY_NANOS = Duration.ofMillis(100).toNanos();

    private final int maxUnfinished;
    private final long countForNanos;
    private final long retryAfterSeconds;
    private final LongSupplier nanoTime;
    /** Run id to the nano time its place was reserved. */
    private final Map<String, Long> unfinished = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong nextExpiry;
    /** Callers waiting in {@link #admit}: a run's end wakes them only when there are any. */
    private final AtomicInteger waiting = new AtomicInteger();
    private final Object room = new Object();

    /**
     * @param maxUnfinished runs accepted and not yet seen end, at most; 0 turns admission control off
     * @param countFor      how long a run counts at most
     * @param retryAfter    what a refused caller is told to wait ({@code Retry-After}, whole seconds, at least 1)
     */
    public RunAdmission(int maxUnfinished, Duration countFor, Duration retryAfter, LongSupplier nanoTime) {
        if (maxUnfinished < 0 || countFor.isNegative() || countFor.isZero() || retryAfter.isNegative()) {
            throw new IllegalArgumentException("admission: max-unfinished-runs >= 0, count-for > 0, retry-after >= 0");
        }
        this.maxUnfinished = maxUnfinished;
        this.countForNanos = countFor.toNanos();
        this.retryAfterSeconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        this.nanoTime = nanoTime;
        this.nextExpiry = new AtomicLong(nanoTime.getAsLong());
    }

    public boolean enabled() {
        return maxUnfinished > 0;
    }

    /**
     * Reserves a place for {@code runId}, about to be accepted; false (nothing kept) when {@code maxUnfinished} runs
     * count already. A reserved run whose trigger is then not accepted must be {@linkplain #release released}.
     */
    public boolean tryAdmit(String runId) {
        if (!enabled()) {
            return true;
        }
        long now = nanoTime.getAsLong();
        if (count.get() >= maxUnfinished) {
            expireIfDue(now);
        }
        if (count.incrementAndGet() > maxUnfinished) {
            count.decrementAndGet(); // a waiter that saw this transient count wakes within 20 ms anyway
            return false;
        }
        if (unfinished.put(runId, now) != null) {
            count.decrementAndGet(); // the same id twice (never with UUIDs): counted once
        }
        return true;
    }

    /**
     * As {@link #tryAdmit}, but waits at most {@code maxWait} for a place when there is none.
     *
     * @return false when no place freed within {@code maxWait} (or the thread was interrupted)
     */
    public boolean admit(String runId, Duration maxWait) {
        if (tryAdmit(runId)) {
            return true;
        }
        return awaitRoom(maxWait, () -> tryAdmit(runId));
    }

    /** Waits at most {@code maxWait} until {@link #full} is false, reserving nothing; returns whether it is. */
    public boolean awaitRoom(Duration maxWait) {
        return !full() || awaitRoom(maxWait, () -> !full());
    }

    private boolean awaitRoom(Duration maxWait, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        waiting.incrementAndGet();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                synchronized (room) {
                    // re-checked under the monitor: an end between the last check and this wait notifies under it too
                    if (count.get() >= maxUnfinished) {
                        // at most 20 ms at a time, so that runs that counted long enough are expired meanwhile
                        long millis = Math.max(1, Math.min(20, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left)));
                        room.wait(millis);
                    }
                }
                if (condition.getAsBoolean()) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            waiting.decrementAndGet();
        }
    }

    /**
     * Whether a trigger would be refused now, without reserving anything: lets a caller skip work (parsing a body,
     * claiming a signature) for a trigger that {@link #tryAdmit} would refuse. Runs that counted long enough are expired
     * here as well, so a gate checked only this way opens again.
     */
    public boolean full() {
        if (!enabled() || count.get() < maxUnfinished) {
            return false;
        }
        expireIfDue(nanoTime.getAsLong());
        return count.get() >= maxUnfinished;
    }

    /** The reserved run was not accepted (its trigger did not reach Kafka, or an idempotency key replayed another). */
    public void release(String runId) {
        forget(runId);
    }

    /** The run has ended (or this gateway learned its final status some other way). */
    public void finished(String runId) {
        forget(runId);
    }

    /** Whether {@code runId} counts now: lets a reader of every run event skip the others with one lookup. */
    public boolean counts(String runId) {
        return !unfinished.isEmpty() && unfinished.containsKey(runId);
    }

    /** Runs counted now. */
    public int unfinished() {
        return count.get();
    }

    public int maxUnfinished() {
        return maxUnfinished;
    }

    /** What a refused caller is told to wait, in whole seconds. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    private void forget(String runId) {
        if (unfinished.remove(runId) != null) {
            count.decrementAndGet();
            wakeOne();
        }
    }

    private void wakeOne() {
        if (waiting.get() > 0) {
            synchronized (room) {
                room.notify();
            }
        }
    }

    /** At most once per {@link #EXPIRE_EVERY_NANOS}: every run that has counted for {@code countFor} stops counting. */
    private void expireIfDue(long now) {
        long due = nextExpiry.get();
        if (now - due < 0 || !nextExpiry.compareAndSet(due, now + EXPIRE_EVERY_NANOS)) {
            return;
        }
        Iterator<Map.Entry<String, Long>> entries = unfinished.entrySet().iterator();
        while (entries.hasNext()) {
            Map.Entry<String, Long> entry = entries.next();
            if (now - entry.getValue() >= countForNanos && unfinished.remove(entry.getKey(), entry.getValue())) {
                count.decrementAndGet();
                wakeOne();
            }
        }
    }
}
