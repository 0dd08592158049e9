package io.zaps.gateway.retention;

import io.zaps.contract.Json;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.gateway.catalog.RunCatalog;
import io.zaps.store.AttachmentStore;
import io.zaps.store.FileStore;
import io.zaps.store.IdempotencyStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The retention job on a real temporary data folder, with the clock fixed where the test wants it. */
class RetentionJobTest {
    private static final Instant NOW = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    private static final Duration WINDOW = Duration.ofHours(24);

    @TempDir
    Path data;

    private final String oldRun = UUID.randomUUID().toString();
    private final String recentRun = UUID.randomUUID().toString();
    private final String longRunning = UUID.randomUUID().toString();
    private String oldAttachment;
    private String recentAttachment;

    private RetentionJob job(int days) {
        return new RetentionJob(days, WINDOW, new FileStore(data), new IdempotencyStore(data), new AttachmentStore(data),
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    /** A run that finished 31 days ago, one 29 days ago, one running for 40 days; two idempotency keys; two attachments. */
    private void seed() throws IOException {
        FileStore files = new FileStore(data);
        Instant longAgo = NOW.minus(Duration.ofDays(31));
        files.saveRunIfNewer(run(oldRun, RunStatus.COMPLETED, longAgo));
        files.saveRunIfNewer(run(recentRun, RunStatus.FAILED, NOW.minus(Duration.ofDays(29))));
        files.saveRunIfNewer(run(longRunning, RunStatus.RUNNING, null));
        age(data.resolve("runs/" + oldRun + ".json"), longAgo);
        age(data.resolve("runs/" + recentRun + ".json"), NOW.minus(Duration.ofDays(29)));
        age(data.resolve("runs/" + longRunning + ".json"), NOW.minus(Duration.ofDays(40)));

        IdempotencyStore keys = new IdempotencyStore(data);
        keys.claim("billing", "expired-key", new IdempotencyStore.Entry(oldRun, NOW.minus(WINDOW).minusSeconds(1)), e -> false);
        keys.claim("billing", "live-key", new IdempotencyStore.Entry(recentRun, NOW.minusSeconds(60)), e -> false);

        AttachmentStore attachments = new AttachmentStore(data);
        oldAttachment = attachments.put("invoice from last year".getBytes(StandardCharsets.UTF_8));
        recentAttachment = attachments.put("invoice from today".getBytes(StandardCharsets.UTF_8));
        age(data.resolve("attachments/sha256/" + oldAttachment.substring(7)), longAgo);
    }

    @Test
    void deletesFinishedRunsExpiredKeysAndOldAttachmentsAndKeepsTheRest() throws IOException {
        seed();

        RetentionJob.Report report = job(30).runOnce();

        assertThat(report).isEqualTo(new RetentionJob.Report(1, 1, 1));
        FileStore files = new FileStore(data);
        assertThat(files.findRun(oldRun)).isEmpty();
        assertThat(files.findRun(recentRun)).isPresent();
        assertThat(files.findRun(longRunning)).as("unfinished runs are never deleted").isPresent();
        assertThat(files.listRuns("billing", 10)).extracting(RunSnapshot::runId).containsExactlyInAnyOrder(recentRun, longRunning);
        IdempotencyStore keys = new IdempotencyStore(data);
        assertThat(keys.find("billing", "expired-key")).isEmpty();
        assertThat(keys.find("billing", "live-key")).isPresent();
        AttachmentStore attachments = new AttachmentStore(data);
        assertThat(attachments.exists(oldAttachment)).isFalse();
        assertThat(attachments.exists(recentAttachment)).isTrue();

        assertThat(job(30).runOnce()).as("idempotent").isEqualTo(new RetentionJob.Report(0, 0, 0));
    }

    @Test
    void aGatewaySharingTheFolderForgetsTheRunsAnotherGatewaysPassDeleted() throws IOException {
        seed();
        FileStore files = new FileStore(data);
        RunCatalog[] catalogs = {new RunCatalog(), new RunCatalog()};
        for (RunCatalog catalog : catalogs) {
            files.scanRuns(catalog::put);
        }
        RetentionJob[] gateways = new RetentionJob[2];
        for (int i = 0; i < 2; i++) {
            RunCatalog catalog = catalogs[i];
            gateways[i] = new RetentionJob(30, WINDOW, files, new IdempotencyStore(data), new AttachmentStore(data),
                    Clock.fixed(NOW, ZoneOffset.UTC), catalog::remove, cutoff -> catalog.forgetDeleted(cutoff, files::hasRun));
        }

        assertThat(gateways[0].runOnce().runs()).isEqualTo(1);

        assertThat(catalogs[0].find(oldRun)).as("the pruning gateway's catalog").isNull();
        assertThat(catalogs[1].find(oldRun)).as("not told yet").isNotNull();
        assertThat(gateways[1].forgetDeletedElsewhere()).isEqualTo(1);
        assertThat(catalogs[1].find(oldRun)).isNull();
        assertThat(catalogs[1].find(recentRun)).as("finished after the cutoff").isNotNull();
        assertThat(catalogs[1].find(longRunning)).as("still running").isNotNull();
        assertThat(gateways[1].forgetDeletedElsewhere()).isZero();
    }

    @Test
    void aFinishedRunPastTheCutoffThatIsStillStoredStaysInTheCatalog() throws IOException {
        seed();
        FileStore files = new FileStore(data);
        RunCatalog catalog = new RunCatalog();
        files.scanRuns(catalog::put);

        assertThat(catalog.forgetDeleted(NOW.minus(Duration.ofDays(30)), files::hasRun))
                .as("the old run's file is still there: only its own gateway's pass deletes it").isZero();
        assertThat(catalog.find(oldRun)).isNotNull();
    }

    @Test
    void zeroDaysKeepsEverythingAndStartsNoThread() throws IOException {
        seed();
        RetentionJob off = job(0);

        assertThat(off.runOnce()).isEqualTo(new RetentionJob.Report(0, 0, 0));
        off.start();
        assertThat(off.isRunning()).isFalse();
        assertThat(new FileStore(data).findRun(oldRun)).isPresent();
        assertThat(new IdempotencyStore(data).find("billing", "expired-key")).isPresent();
    }

    @Test
    void runsOnceAtStartUp() throws IOException {
        seed();
        RetentionJob job = job(30);
        job.start();
        try {
            assertThat(job.isRunning()).isTrue();
            await("the start-up pass").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> new FileStore(data).findRun(oldRun).isEmpty());
        } finally {
            job.stop();
        }
        assertThat(job.isRunning()).isFalse();
    }

    private static RunSnapshot run(String runId, RunStatus status, Instant completedAt) {
        Instant created = completedAt == null ? NOW.minus(Duration.ofDays(40)) : completedAt.minusSeconds(30);
        return new RunSnapshot(runId, "billing", 1, status, created, created, completedAt, completedAt == null ? created : completedAt,
                Json.object(), Map.of(), null, null, 3);
    }

    private static void age(Path file, Instant at) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(at));
    }
}
