package io.zaps.gateway.retention;

import io.zaps.store.AttachmentStore;
import io.zaps.store.FileStore;
import io.zaps.store.IdempotencyStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps the data folder from growing with every run ever made: once at start-up and then daily, it
 * deletes the snapshots of runs that finished more than {@code zaps.gateway.retention-days} ago
 * ({@link FileStore#pruneFinishedRuns}), idempotency records past {@code zaps.gateway.idempotency-window}
 * ({@link IdempotencyStore#pruneExpired}), and attachments not stored for {@code retention-days}
 * ({@link AttachmentStore#pruneOlderThan}). {@code retention-days: 0} turns it off.
 *
 * <p>Cheap: one pass over each folder, reading only run files last written before the cutoff. It runs
 * on its own daemon thread, never on a request thread. Several gateways on one folder may all run it:
 * every deletion tolerates a file another one deleted first.
 */
public final class RetentionJob implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);
    static final Duration PERIOD = Duration.ofDays(1);

    /** What one pass deleted. */
    public record Report(int runs, int idempotencyRecords, int attachments) {
        int total() {
            return runs + idempotencyRecords + attachments;
        }
    }

    private final int retentionDays;
    private final Duration idempotencyWindow;
    private final FileStore files;
    private final IdempotencyStore idempotency;
    private final AttachmentStore attachments;
    private final Clock clock;
    private final Consumer<String> prunedRun;
    private ScheduledExecutorService scheduler;

    public RetentionJob(int retentionDays, Duration idempotencyWindow, FileStore files, IdempotencyStore idempotency,
                        AttachmentStore attachments, Clock clock) {
        this(retentionDays, idempotencyWindow, files, idempotency, attachments, clock, runId -> {});
    }

    /** @param prunedRun told the id of every run whose snapshot a pass deleted (the run catalog forgets it) */
    public RetentionJob(int retentionDays, Duration idempotencyWindow, FileStore files, IdempotencyStore idempotency,
                        AttachmentStore attachments, Clock clock, Consumer<String> prunedRun) {
        this.prunedRun = prunedRun;
        this.retentionDays = retentionDays;
        this.idempotencyWindow = idempotencyWindow;
        this.files = files;
        this.idempotency = idempotency;
        this.attachments = attachments;
        this.clock = clock;
    }

    /** One pass, now; nothing when retention is off. */
    public Report runOnce() {
        if (retentionDays <= 0) {
            return new Report(0, 0, 0);
        }
        Instant now = clock.instant();
        Instant cutoff = now.minus(Duration.ofDays(retentionDays));
        Report report = new Report(files.pruneFinishedRuns(cutoff, prunedRun), idempotency.pruneExpired(now, idempotencyWindow),
                attachments.pruneOlderThan(cutoff));
        if (report.total() > 0) {
            log.info("retention ({} days): deleted {} finished runs, {} expired idempotency records, {} attachments",
                    retentionDays, report.runs(), report.idempotencyRecords(), report.attachments());
        }
        return report;
    }

    private void runSafely() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            // A folder that cannot be listed today may be fine tomorrow; the job must not die of it.
            log.warn("retention pass failed; trying again in {}", PERIOD, e);
        }
    }

    @Override
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        if (retentionDays <= 0) {
            log.info("retention is off (zaps.gateway.retention-days=0): runs and attachments are kept forever");
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "zaps-retention");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::runSafely, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
