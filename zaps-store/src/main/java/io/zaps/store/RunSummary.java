package io.zaps.store;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Duration;
import java.time.Instant;

/**
 * What a run listing shows of one run: its snapshot without the context and the steps (a few hundred bytes
 * instead of kilobytes), as {@link FileStore#scanRuns} reads it from a run file and {@link #of} takes it from a
 * snapshot; both give the same summary for the same snapshot.
 *
 * @param runId           the run
 * @param workflowId      its workflow
 * @param workflowVersion the version it runs
 * @param status          its status
 * @param createdAt       when its trigger was accepted (listings are ordered by it)
 * @param startedAt       when the executor started it
 * @param completedAt     when it reached a final status
 * @param durationMs      {@code completed_at} minus {@code started_at} (else {@code created_at}), for a finished run
 * @param currentStepId   the step running now, or the one that failed
 * @param error           why it failed, cut to {@value #MAX_ERROR} characters
 * @param parentRunId     the run that started it as a child (for_each, parallel, call_workflow), or null
 * @param revision        the snapshot's revision; not shown (a summary never replaces one of a higher revision)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunSummary(
        String runId,
        String workflowId,
        Integer workflowVersion,
        RunStatus status,
        Instant createdAt,
        Instant startedAt,
        Instant completedAt,
        Long durationMs,
        String currentStepId,
        String error,
        String parentRunId,
        @JsonIgnore long revision) {

    /** The longest error a summary carries; the run's snapshot has all of it. */
    public static final int MAX_ERROR = 500;

    public RunSummary {
        if (error != null && error.length() > MAX_ERROR) {
            error = error.substring(0, MAX_ERROR - 1) + "…";
        }
    }

    /** The summary of {@code snapshot}. */
    public static RunSummary of(RunSnapshot snapshot) {
        return of(snapshot.runId(), snapshot.workflowId(), snapshot.workflowVersion(), snapshot.status(), snapshot.createdAt(),
                snapshot.startedAt(), snapshot.completedAt(), snapshot.currentStepId(), snapshot.error(),
                snapshot.parent() == null ? null : snapshot.parent().runId(), snapshot.revision());
    }

    static RunSummary of(String runId, String workflowId, Integer workflowVersion, RunStatus status, Instant createdAt,
                         Instant startedAt, Instant completedAt, String currentStepId, String error, String parentRunId,
                         long revision) {
        Instant from = startedAt != null ? startedAt : createdAt;
        Long duration = status != null && status.isFinal() && completedAt != null && from != null
                ? Math.max(0, Duration.between(from, completedAt).toMillis()) : null;
        return new RunSummary(runId, workflowId, workflowVersion, status, createdAt, startedAt, completedAt, duration,
                currentStepId, error, parentRunId, revision);
    }
}
