package io.zaps.gateway.hook;

import io.zaps.contract.run.RunSnapshot;
import io.zaps.store.FileStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.async.DeferredResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Waits, without holding a request thread, for runs to reach a final status: each waiting request is a servlet-async
 * {@link DeferredResult}, and one thread polls the runs' files ({@code <data>/runs/<run_id>.json}, written by the
 * gateway's projector) every {@link #POLL}, reading a snapshot only when its file changed. A wait ends with the final
 * snapshot, or with the latest one when its bound has passed. At most {@link #MAX_WAITING} requests wait at once; more are
 * answered at once as if their bound had passed.
 */
@Component
class RunCompletionWaiter implements DisposableBean {
    static final Duration POLL = Duration.ofMillis(100);
    static final int MAX_WAITING = 1000;
    private static final Duration REREAD_EVERY = Duration.ofSeconds(1);
    /** Servlet async timeout beyond the bound: only a stalled poller lets it fire. */
    private static final Duration ASYNC_GRACE = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(RunCompletionWaiter.class);

    private final FileStore store;
    private final Path runs;
    private final Set<Waiting> waiting = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService poller;

    RunCompletionWaiter(FileStore store) {
        this.store = store;
        // The store's documented layout: <data>/runs/<run_id>.json
        this.runs = store.root().resolve("runs");
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "zaps-hook-waiter");
            thread.setDaemon(true);
            return thread;
        });
        poller.scheduleWithFixedDelay(this::poll, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
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
        if (waiting.size() >= MAX_WAITING) {
            log.warn("{} webhook requests already wait for their runs; run {} is answered without waiting", MAX_WAITING, run.runId());
            result.setResult(unfinished.apply(run));
            return result;
        }
        Waiting wait = new Waiting(run, System.nanoTime() + bound.toNanos(), result, finished, unfinished);
        result.onTimeout(() -> wait.answerUnfinished());
        result.onCompletion(() -> waiting.remove(wait));
        result.onError(e -> waiting.remove(wait));
        waiting.add(wait);
        return result;
    }

    /** How many requests wait now. */
    int waitingCount() {
        return waiting.size();
    }

    private void poll() {
        long now = System.nanoTime();
        for (Waiting wait : waiting) {
            try {
                if (wait.result.isSetOrExpired()) {
                    waiting.remove(wait);
                    continue;
                }
                wait.refresh();
                if (wait.latest.status().isFinal()) {
                    wait.answer(wait.finished);
                } else if (now - wait.deadline >= 0) {
                    wait.answerUnfinished();
                }
            } catch (RuntimeException e) {
                // A corrupt or unreadable file: keep the last snapshot, the bound still ends the wait.
                log.warn("cannot read run {} while a webhook waits for it: {}", wait.latest.runId(), e.getMessage());
                if (now - wait.deadline >= 0) {
                    wait.answerUnfinished();
                }
            }
        }
    }

    @Override
    public void destroy() {
        poller.shutdownNow();
        for (Waiting wait : waiting) {
            wait.answerUnfinished();
        }
    }

    private final class Waiting {
        final long deadline;
        final DeferredResult<ResponseEntity<Object>> result;
        final Function<RunSnapshot, ResponseEntity<Object>> finished;
        final Function<RunSnapshot, ResponseEntity<Object>> unfinished;
        volatile RunSnapshot latest;
        private Object fileKey;
        private long size = -1;
        private long modified;
        private long lastRead = System.nanoTime();

        Waiting(RunSnapshot run, long deadline, DeferredResult<ResponseEntity<Object>> result,
                Function<RunSnapshot, ResponseEntity<Object>> finished, Function<RunSnapshot, ResponseEntity<Object>> unfinished) {
            this.latest = run;
            this.deadline = deadline;
            this.result = result;
            this.finished = finished;
            this.unfinished = unfinished;
        }

        /**
         * Reads the snapshot again when its file was replaced (every write renames a new file into place), and every
         * {@link #REREAD_EVERY} in case a replacement looked like the file it replaced (a reused inode, same size and time).
         */
        void refresh() {
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(runs.resolve(latest.runId() + ".json"), BasicFileAttributes.class);
            } catch (IOException e) {
                return; // not there (yet): keep the last snapshot
            }
            long newModified = attributes.lastModifiedTime().toMillis();
            long now = System.nanoTime();
            if (attributes.fileKey() != null && Objects.equals(fileKey, attributes.fileKey())
                    && size == attributes.size() && modified == newModified && now - lastRead < REREAD_EVERY.toNanos()) {
                return;
            }
            lastRead = now;
            Optional<RunSnapshot> run = store.findRun(latest.runId());
            fileKey = attributes.fileKey();
            size = attributes.size();
            modified = newModified;
            run.filter(r -> r.revision() >= latest.revision()).ifPresent(r -> latest = r);
        }

        void answerUnfinished() {
            answer(unfinished);
        }

        void answer(Function<RunSnapshot, ResponseEntity<Object>> how) {
            waiting.remove(this);
            try {
                result.setResult(how.apply(latest));
            } catch (RuntimeException e) {
                result.setErrorResult(e);
            }
        }
    }
}
