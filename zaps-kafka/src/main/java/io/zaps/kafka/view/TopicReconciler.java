package io.zaps.kafka.view;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a compacted topic level with the files it mirrors (the gateway's workflows and secrets): a reconciliation pass
 * ({@link #reconcilePass}) compares the files with a {@link CompactedTopicView} of the topic and publishes what the topic
 * lacks. It runs when started (once the view has read the topic, so a data folder from before the topic existed is on it
 * when the service is ready; without Kafka the service starts anyway), then every {@code interval}, and within a second
 * while a pass or a write's publish failed ({@link #retrySoon}): a write made while Kafka was down reaches the topic once
 * Kafka answers. Started after the view (it reads the topic first), before the listener containers.
 */
public abstract class TopicReconciler implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(TopicReconciler.class);
    private static final Duration START_WAIT = Duration.ofSeconds(5);

    private final CompactedTopicView<?> view;
    private final Duration interval;
    private volatile ScheduledExecutorService scheduler;
    /** A publish failed: the next pass comes within a second, not after the interval. */
    private volatile boolean dirty;

    protected TopicReconciler(CompactedTopicView<?> view, Duration interval) {
        this.view = view;
        this.interval = interval;
    }

    /** Publishes what the topic lacks; answers whether everything was published (false: again within a second). */
    protected abstract boolean reconcilePass();

    /** A write's publish failed: the next pass comes within a second. */
    protected final void retrySoon() {
        dirty = true;
    }

    /** Runs the first pass (when the view read the topic within a few seconds), then schedules the others. */
    @Override
    public final synchronized void start() {
        if (scheduler != null) {
            return;
        }
        if (view.awaitCaughtUp(START_WAIT)) {
            runQuietly();
        } else {
            dirty = true;
            log.warn("{} not read within {} s; what it lacks is published once Kafka answers", view.topic(), START_WAIT.toSeconds());
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "zaps-reconcile-" + view.topic());
            thread.setDaemon(true);
            return thread;
        });
        long[] lastPass = {System.nanoTime()};
        executor.scheduleWithFixedDelay(() -> {
            // every second while a publish failed, else every interval
            if (dirty || System.nanoTime() - lastPass[0] >= interval.toNanos()) {
                lastPass[0] = System.nanoTime();
                runQuietly();
            }
        }, 1, 1, TimeUnit.SECONDS);
        scheduler = executor;
    }

    private void runQuietly() {
        dirty = false; // a write failing during the pass sets it again
        try {
            if (!reconcilePass()) {
                dirty = true;
            }
        } catch (RuntimeException e) {
            dirty = true;
            log.warn("publishing to {} failed: {}", view.topic(), e.toString());
        }
    }

    @Override
    public final synchronized void stop() {
        ScheduledExecutorService executor = scheduler;
        scheduler = null;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public final boolean isRunning() {
        return scheduler != null;
    }

    @Override
    public final int getPhase() {
        return CompactedTopicView.PHASE + 1;
    }
}
