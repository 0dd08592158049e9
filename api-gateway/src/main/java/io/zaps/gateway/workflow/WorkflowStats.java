package io.zaps.gateway.workflow;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.gateway.catalog.RunCatalog;
import io.zaps.store.RunSummary;
import org.springframework.stereotype.Component;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A workflow with what its last 24 hours of runs look like, from the {@link RunCatalog} (no run file is read):
 * {@code GET /api/workflows?with=stats}. Runs count in the hour they were created; a run's duration is its summary's
 * {@code duration_ms}.
 */
@Component
class WorkflowStats {
    static final Duration WINDOW = Duration.ofHours(24);
    static final int BUCKETS = 24;

    private final RunCatalog catalog;
    private final Clock clock;

    WorkflowStats(RunCatalog catalog, Clock clock) {
        this.catalog = catalog;
        this.clock = clock;
    }

    /**
     * One hour of runs.
     *
     * @param start     where the hour starts (buckets are the 24 hours before now, oldest first)
     * @param completed runs created in the hour that completed
     * @param failed    runs created in the hour that failed
     * @param p50Ms     the median duration of the completed ones, null when none
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Bucket(Instant start, int completed, int failed, Long p50Ms) {
    }

    /**
     * A workflow and its last 24 hours.
     *
     * @param lastRun        its newest run (whenever it was), or null
     * @param runs24h        runs created in the last 24 hours, in any status
     * @param successRate24h completed / (completed + failed) of those, 0..1; null when none finished
     * @param p50Ms24h       median duration of the completed ones, null when none
     * @param sparkline      24 hourly buckets, oldest first, the last one ending now
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record WorkflowSummary(String id, String name, WorkflowStatus status, Integer version, Instant updatedAt, RunSummary lastRun,
                           @JsonProperty("runs_24h") int runs24h,
                           @JsonProperty("success_rate_24h") Double successRate24h,
                           @JsonProperty("p50_ms_24h") Long p50Ms24h,
                           List<Bucket> sparkline) {
    }

    List<WorkflowSummary> summarize(List<WorkflowDefinition> workflows) {
        Instant now = clock.instant();
        return workflows.stream().map(w -> summarize(w, now)).toList();
    }

    WorkflowSummary summarize(WorkflowDefinition workflow, Instant now) {
        Instant from = now.minus(WINDOW);
        long bucketMillis = WINDOW.toMillis() / BUCKETS;
        int[] completed = new int[BUCKETS];
        int[] failed = new int[BUCKETS];
        List<List<Long>> durations = new ArrayList<>();
        for (int i = 0; i < BUCKETS; i++) {
            durations.add(new ArrayList<>());
        }
        List<Long> allDurations = new ArrayList<>();
        RunSummary last = null;
        int runs = 0;
        for (RunSummary run : catalog.ofWorkflow(workflow.id())) {
            if (last == null) {
                last = run;
            }
            if (run.createdAt() == null || run.createdAt().isBefore(from)) {
                break; // newest first: the rest is older
            }
            runs++;
            int bucket = (int) Math.min(BUCKETS - 1, Math.max(0, Duration.between(from, run.createdAt()).toMillis() / bucketMillis));
            if (run.status() == RunStatus.COMPLETED) {
                completed[bucket]++;
                if (run.durationMs() != null) {
                    durations.get(bucket).add(run.durationMs());
                    allDurations.add(run.durationMs());
                }
            } else if (run.status() == RunStatus.FAILED) {
                failed[bucket]++;
            }
        }
        List<Bucket> sparkline = new ArrayList<>(BUCKETS);
        int allCompleted = 0;
        int allFailed = 0;
        for (int i = 0; i < BUCKETS; i++) {
            sparkline.add(new Bucket(from.plusMillis(i * bucketMillis), completed[i], failed[i], median(durations.get(i))));
            allCompleted += completed[i];
            allFailed += failed[i];
        }
        Double successRate = allCompleted + allFailed == 0 ? null : (double) allCompleted / (allCompleted + allFailed);
        return new WorkflowSummary(workflow.id(), workflow.name(), workflow.statusOrDefault(), workflow.version(), workflow.updatedAt(),
                last, runs, successRate, median(allDurations), sparkline);
    }

    /** The lower median (an actual duration, never an average of two). */
    static Long median(List<Long> values) {
        if (values.isEmpty()) {
            return null;
        }
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get((sorted.size() - 1) / 2);
    }
}
