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
import java.util.function.ToIntFunction;

/**
 * Keeps the data folder from growing with every run ever made: once at start-up and then daily, it
 * deletes the snapshots of runs that finished more than {@code zaps.gateway.retention-days} ago
 * ({@link FileStore#pruneFinishedRuns}), idempotency records past {@code zaps.gateway.idempotency-window}
 * ({@link IdempotencyStore#pruneExpired}), and attachments not stored for {@code retention-days}
 * ({@link AttachmentStore#pruneOlderThan}). {@code retention-days: 0} turns it off.
 *
 * <p>Cheap: one pass over each folder, reading only run files last written before the cutoff. It runs
 * on its own daemon thread, never on a request thread. Several gateways on one folder may all run it:
 * every deletion tolerates a file another one deleted first. Each pass, and every hour between passes, the runs past
 * the cutoff that another gateway's pass deleted are also forgotten by this gateway's run catalog
 * ({@link #forgetDeletedElsewhere}), so that no gateway lists a run whose file is gone for longer than an hour.
 */
public final class RetentionJob implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);
    static final Duration PERIOD = Duration.ofDays(1);
    /** How often, between passes, the catalog forgets runs another gateway's pass deleted. */
    static final Duration CATALOG_SWEEP = Duration.ofHours(1);

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
    private final ToIntFunction<Instant> forgetDeleted;
    private ScheduledExecutorService scheduler;

    public RetentionJob(int retentionDays, Duration idempotencyWindow, FileStore files, IdempotencyStore idempotency,
                        AttachmentStore attachments, Clock clock) {
        this(retentionDays, idempotencyWindow, files, idempotency, attachments, clock, runId -> {}, cutoff -> 0);
    }

    /**
     * @param prunedRun     told the id of every run whose snapshot a pass deleted (the run catalog forgets it)
     * @param forgetDeleted given the cutoff, forgets the finished runs before it that are no longer stored (deleted by
     *                      another gateway sharing the folder) and returns how many
     */
    public RetentionJob(int retentionDays, Duration idempotencyWindow, FileStore files, IdempotencyStore idempotency,
                        AttachmentStore attachments, Clock clock, Consumer<String> prunedRun, ToIntFunction<Instant> forgetDeleted) {
        this.prunedRun = prunedRun;
        this.forgetDeleted = forgetDeleted;
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
        Instant cutoff = cutoff(now);
        Report report = new Report(files.pruneFinishedRuns(cutoff, prunedRun), idempotency.pruneExpired(now, idempotencyWindow),
                attachments.pruneOlderThan(cutoff));
        if (report.total() > 0) {
            log.info("retention ({} days): deleted {} finished runs, {} expired idempotency records, {} attachments",
                    retentionDays, report.runs(), report.idempotencyRecords(), report.attachments());
        }
        forgetDeletedElsewhere();
        return report;
    }

    /**
     * Forgets, in this gateway's catalog, the runs past the cutoff whose snapshots are gone: deleted by another gateway's
     * pass on the shared folder. Returns how many; nothing when retention is off.
     */
    public int forgetDeletedElsewhere() {
        if (retentionDays <= 0) {
            return 0;
        }
        int forgotten = forgetDeleted.applyAsInt(cutoff(clock.instant()));
        if (forgotten > 0) {
            log.info("retention ({} days): {} runs deleted by another gateway left the run catalog", retentionDays, forgotten);
        }
        return forgotten;
    }

    private Instant cutoff(Instant now) {
        return now.minus(Duration.ofDays(retentionDays));
    }

    private void forgetSafely() {
        try {
            forgetDeletedElsewhere();
        } catch (RuntimeException e) {
            log.warn("forgetting runs another gateway deleted failed; trying again in {}", CATALOG_SWEEP, e);
        }
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
        scheduler.scheduleWithFixedDelay(this::forgetSafely, CATALOG_SWEEP.toMillis(), CATALOG_SWEEP.toMillis(), TimeUnit.MILLISECONDS);
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
