package io.zaps.contract.run;

import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything about one run, as stored in {@code <data>/runs/<run_id>.json} and answered by
 * {@code GET /api/runs/{run_id}}.
 *
 * @param runId           the run's id (a UUID)
 * @param workflowId      the workflow it runs
 * @param workflowVersion the workflow version pinned when the run started
 * @param status          the run's status
 * @param createdAt       when the trigger was accepted
 * @param startedAt       when the executor started it
 * @param completedAt     when it reached a final status
 * @param updatedAt       when this snapshot was made
 * @param context         the trigger's data
 * @param steps           each step's state, keyed by step id, in definition order
 * @param currentStepId   the step running now, or the one that failed
 * @param error           why the run failed, or null
 * @param revision        increases with every change; a snapshot never replaces one with a higher revision
 * @param parent          the step of another run that started this one as a child, or null
 * @param resumeUrls      the resume URL of each {@code wait_for_event} step this run runs (not those of its
 *                        child runs), by step id, fixed when the run starts so that an earlier step can send
 *                        it ({@code {{ run.resume_urls.<step id> }}}); a URL resumes its step whenever that
 *                        step waits. Empty for runs without such steps and for runs started before the field
 *                        existed (their waits show a URL per attempt in the step's output)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunSnapshot(
        String runId,
        String workflowId,
        Integer workflowVersion,
        RunStatus status,
        Instant createdAt,
        Instant startedAt,
        Instant completedAt,
        Instant updatedAt,
        ObjectNode context,
        Map<String, StepState> steps,
        String currentStepId,
        String error,
        long revision,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) ParentRun parent,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY) Map<String, String> resumeUrls) {

    /** A run nobody started as a child. */
    public RunSnapshot(String runId, String workflowId, Integer workflowVersion, RunStatus status, Instant createdAt,
                       Instant startedAt, Instant completedAt, Instant updatedAt, ObjectNode context,
                       Map<String, StepState> steps, String currentStepId, String error, long revision) {
        this(runId, workflowId, workflowVersion, status, createdAt, startedAt, completedAt, updatedAt, context, steps,
                currentStepId, error, revision, null);
    }

    /** A run without resume URLs fixed at its start. */
    public RunSnapshot(String runId, String workflowId, Integer workflowVersion, RunStatus status, Instant createdAt,
                       Instant startedAt, Instant completedAt, Instant updatedAt, ObjectNode context,
                       Map<String, StepState> steps, String currentStepId, String error, long revision, ParentRun parent) {
        this(runId, workflowId, workflowVersion, status, createdAt, startedAt, completedAt, updatedAt, context, steps,
                currentStepId, error, revision, parent, null);
    }

    public RunSnapshot {
        steps = steps == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(steps));
        resumeUrls = resumeUrls == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(resumeUrls));
    }

    /** A mutable copy of the step map, in order, for building the next snapshot. */
    public LinkedHashMap<String, StepState> stepsCopy() {
        return new LinkedHashMap<>(steps);
    }
}
