package io.zaps.gateway.hook;

import io.zaps.contract.run.RunSnapshot;
import io.zaps.gateway.projection.RunEndListener;
import io.zaps.store.FileStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.ResponseEntity;
import org.springframework.web.context.request.async.DeferredResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Waits, without holding a request thread, for runs to reach a final status: each waiting request is a servlet-async
 * {@link DeferredResult}, answered on the thread that learns the run's end:
 * <ul>
 *   <li>this gateway's run projector, right after it wrote a final snapshot ({@link RunEndListener}), for the runs of
 *       the {@code zaps.run-events} partitions it owns;</li>
 *   <li>{@link RunEndTail}, which reads every partition of {@code zaps.run-events} from the end and hands over the
 *       final events of the runs waited on here, for the runs whose partition another gateway projects;</li>
 *   <li>once when the wait starts, and then every {@link #sweepEvery} as a safety net, the run's file: a run that ended
 *       before its request began to wait (an idempotent repeat, a final snapshot projected before a restart, or an
 *       end the tail read a moment before the wait was registered).</li>
 * </ul>
 * A wait ends with the final snapshot, or with the latest one when its bound has passed (a timer per wait). At most
 * {@link #MAX_WAITING} requests wait at once; more are answered at once as if their bound had passed.
 */
class RunCompletionWaiter implements RunEndListener, DisposableBean {
    static final int MAX_WAITING = 1000;
    /** The safety net only: answers normally come from {@link #runEnded}. */
    static final Duration SWEEP = Duration.ofSeconds(1);
    /** Servlet async timeout beyond the bound: only a stalled timer thread lets it fire. */
    private static final Duration ASYNC_GRACE = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(RunCompletionWaiter.class);

    private final FileStore store;
    /** Run id to the requests waiting for it (usually one; more with an Idempotency-Key repeated while it runs). */
    private final Map<String, Set<Waiting>> waiting = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private final ScheduledExecutorService timers;

    RunCompletionWaiter(FileStore store, Duration sweepEvery) {
        this.store = store;
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "zaps-hook-waiter");
            thread.setDaemon(true);
            return thread;
        });
        timers.setRemoveOnCancelPolicy(true); // a wait answered early takes its timer out of the queue
        this.timers = timers;
        timers.scheduleWithFixedDelay(this::sweep, sweepEvery.toMillis(), sweepEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The answer about {@code run} once it is final ({@code finished}), or after {@code bound} ({@code unfinished}, given
     * the latest snapshot).
     */
    DeferredResult<ResponseEntity<Object>> await(RunSnapshot run, Duration bound,
                                                 Function<RunSnapshot, ResponseEntity<Object>> finished,
                                                 Function<RunSnapshot, ResponseEntity<Object>> unfinished) {
        DeferredResult<ResponseEntity<Object>> result = new DeferredResult<>(bound.plus(ASYNC_GRACE).toMillis());
        if (run.status().isFinal()) {
            result.setResult(finished.apply(run));
            return result;
        }
        if (count.incrementAndGet() > MAX_WAITING) {
            count.decrementAndGet();
            log.warn("{} webhook requests already wait for their runs; run {} is answered without waiting", MAX_WAITING, run.runId());
            result.setResult(unfinished.apply(run));
            return result;
        }
        Waiting wait = new Waiting(run, result, finished, unfinished);
        result.onTimeout(wait::answerUnfinished);
        result.onCompletion(wait::forget);
        result.onError(e -> wait.forget());
        waiting.compute(run.runId(), (id, waits) -> {
            Set<Waiting> all = waits == null ? ConcurrentHashMap.newKeySet() : waits;
            all.add(wait);
            return all;
        });
        wait.timer = timers.schedule(wait::expire, bound.toNanos(), TimeUnit.NANOSECONDS);
        // Registered first, read second: an end projected before this line is in the file, one after it is signalled.
        wait.check();
        return result;
    }

    /** Whether a request waits for {@code runId}: lets {@link RunEndTail} skip every other record unparsed. */
    boolean waitsFor(String runId) {
        return waiting.containsKey(runId);
    }

    /** A run's final snapshot, from the projector or the tail: the requests waiting for it are answered now. */
    @Override
    public void runEnded(RunSnapshot run) {
        Set<Waiting> waits = waiting.get(run.runId());
        if (waits == null || !run.status().isFinal()) {
            return;
        }
        for (Waiting wait : waits) {
            wait.offer(run);
        }
    }

    /** How many requests wait now. */
    int waitingCount() {
        return count.get();
    }

    private void sweep() {
        for (Set<Waiting> waits : waiting.values()) {
            for (Waiting wait : waits) {
                if (wait.result.isSetOrExpired()) {
                    wait.forget();
                } else {
                    wait.check();
                }
            }
        }
    }

    @Override
    public void destroy() {
        timers.shutdownNow();
        waiting.values().forEach(waits -> waits.forEach(Waiting::answerUnfinished));
    }

    private final class Waiting {
        final DeferredResult<ResponseEntity<Object>> result;
        final Function<RunSnapshot, ResponseEntity<Object>> finished;
        final Function<RunSnapshot, ResponseEntity<Object>> unfinished;
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicBoolean forgotten = new AtomicBoolean();
        volatile RunSnapshot latest;
        volatile ScheduledFuture<?> timer;
        private Object fileKey;
        private long size = -1;
        private long modified;

        Waiting(RunSnapshot run, DeferredResult<ResponseEntity<Object>> result,
                Function<RunSnapshot, ResponseEntity<Object>> finished, Function<RunSnapshot, ResponseEntity<Object>> unfinished) {
            this.latest = run;
            this.result = result;
            this.finished = finished;
            this.unfinished = unfinished;
        }

        void offer(RunSnapshot run) {
            if (run.revision() >= latest.revision()) {
                latest = run;
                answer(finished);
            }
        }

        /** Reads the run's file when it was replaced since the last look (every write renames a new file into place). */
        synchronized void check() {
            try {
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(store.runFile(latest.runId()), BasicFileAttributes.class);
                } catch (IOException e) {
                    return; // not there (yet)
                }
                long newModified = attributes.lastModifiedTime().toMillis();
                if (attributes.fileKey() != null && Objects.equals(fileKey, attributes.fileKey())
                        && size == attributes.size() && modified == newModified) {
                    return;
                }
                Optional<RunSnapshot> run = store.findRun(latest.runId());
                fileKey = attributes.fileKey();
                size = attributes.size();
                modified = newModified;
                run.filter(r -> r.revision() >= latest.revision()).ifPresent(r -> {
                    if (r.status().isFinal()) {
                        offer(r);
                    } else {
                        latest = r; // answered at the bound: the latest snapshot, as GET /api/runs/{id} would show it
                    }
                });
            } catch (RuntimeException e) {
                // A corrupt or unreadable file: the signal or the bound still ends the wait.
                log.warn("cannot read run {} while a webhook waits for it: {}", latest.runId(), e.getMessage());
            }
        }

        /** The bound has passed: one last look at the file, then the answer either way. */
        void expire() {
            check();
            answerUnfinished();
        }

        void answerUnfinished() {
            answer(unfinished);
        }

        void answer(Function<RunSnapshot, ResponseEntity<Object>> how) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            forget();
            try {
                result.setResult(how.apply(latest));
            } catch (RuntimeException e) {
                result.setErrorResult(e);
            }
        }

        void forget() {
            if (!forgotten.compareAndSet(false, true)) {
                return;
            }
            ScheduledFuture<?> scheduled = timer;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
            waiting.computeIfPresent(latest.runId(), (id, waits) -> {
                waits.remove(this);
                return waits.isEmpty() ? null : waits;
            });
            count.decrementAndGet();
        }
    }
}
