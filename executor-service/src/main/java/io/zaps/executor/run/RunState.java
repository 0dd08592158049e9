package io.zaps.executor.run;

import tools.jackson.databind.node.ObjectNode;

import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.workflow.WorkflowDefinition;
import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.util.Map;

/**
 * What the executor keeps about one run (the value of the {@code runs} state store, as JSON via
 * {@link io.zaps.contract.Json}): the snapshot it publishes, plus the workflow definition pinned
 * when the run started, so that later versions of the workflow never change a running run.
 *
 * @param schemaVersion the layout of this record; only fields are ever added
 * @param run           the run's snapshot, exactly as last published
 * @param workflow      the pinned workflow definition
 * @param eventId       the trigger event that started the run, for tracing; null for a run cancelled
 *                      before its {@code start_run} arrived (then {@code workflow} is null too)
 * @param attemptBase   per step, the attempts made before the last {@code retry_run}: attempt numbers go
 *                      on, but the retry budget of the step's policy counts again from there
 * @param source        the {@code source} of the trigger that started the run ({@code api},
 *                      {@code on_failure}, ...), or null
 * @param failures      how often the run has ended {@code failed} (a {@code retry_run} can make it
 *                      fail again), null for never; numbers the error-workflow trigger of each failure
 * @param retired       true when this is only what is kept of a finished run ({@link #retained()}):
 *                      its status, revision and times, without steps, context or workflow
 * @param traceparent   the W3C trace context of the run's trace (the executor's span that started it), or null: what
 *                      has no record to carry it (a timer firing) continues the trace from here. Set by the Kafka shell
 *                      on the first decision; the core only carries it over.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunState(int schemaVersion, RunSnapshot run, WorkflowDefinition workflow, String eventId,
                       @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Integer> attemptBase,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String source,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Integer failures,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Boolean retired,
                       @JsonInclude(JsonInclude.Include.NON_NULL) ObjectNode inheritedSteps,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String traceparent) {
    public static final int CURRENT_SCHEMA_VERSION = 1;

    /** A state whose templates see only the run's own steps. */
    public RunState(int schemaVersion, RunSnapshot run, WorkflowDefinition workflow, String eventId, Map<String, Integer> attemptBase,
                    String source, Integer failures, Boolean retired) {
        this(schemaVersion, run, workflow, eventId, attemptBase, source, failures, retired, null, null);
    }

    /** A state without a trace context. */
    public RunState(int schemaVersion, RunSnapshot run, WorkflowDefinition workflow, String eventId, Map<String, Integer> attemptBase,
                    String source, Integer failures, Boolean retired, ObjectNode inheritedSteps) {
        this(schemaVersion, run, workflow, eventId, attemptBase, source, failures, retired, inheritedSteps, null);
    }

    public RunState {
        attemptBase = attemptBase == null ? Map.of() : Map.copyOf(attemptBase);
        failures = failures == null || failures <= 0 ? null : failures;
        retired = Boolean.TRUE.equals(retired) ? Boolean.TRUE : null;
    }


    public static RunState of(RunSnapshot run, WorkflowDefinition workflow, String eventId) {
        return new RunState(CURRENT_SCHEMA_VERSION, run, workflow, eventId, Map.of(), null, null, null);
    }

    public static RunState of(RunSnapshot run, WorkflowDefinition workflow, String eventId, Map<String, Integer> attemptBase) {
        return new RunState(CURRENT_SCHEMA_VERSION, run, workflow, eventId, attemptBase, null, null, null);
    }

    public RunState withRun(RunSnapshot next) {
        return new RunState(schemaVersion, next, workflow, eventId, attemptBase, source, failures, retired, inheritedSteps, traceparent);
    }

    /** This state continuing the trace {@code traceparent} names. */
    public RunState withTraceparent(String traceparent) {
        return new RunState(schemaVersion, run, workflow, eventId, attemptBase, source, failures, retired, inheritedSteps, traceparent);
    }

    /** How often the run has failed so far. */
    public int failureCount() {
        return failures == null ? 0 : failures;
    }

    public boolean isRetired() {
        return Boolean.TRUE.equals(retired);
    }

    /**
     * What the executor keeps of a finished run once it has left the live state, for as long as
     * duplicates and stragglers may still arrive: enough to recognise and ignore a second
     * {@code start_run}, a late {@code complete_step} or timer, or a control command.
     * <ul>
     *   <li>{@code completed} and {@code cancelled}: only the status, revision and times
     *       ({@link #isRetired() retired}); the full snapshot is in the JSON store.</li>
     *   <li>{@code failed}: the whole state, so that {@code retry_run} can resume the run from its
     *       failed step with its pinned workflow, outputs and attempt numbers.</li>
     *   <li>a run cancelled before its {@code start_run} arrived: itself (it is small), so that the
     *       late start still ends it cancelled.</li>
     * </ul>
     * A run that is not finished is returned as it is.
     */
    public RunState retained() {
        RunStatus status = run.status();
        if (!status.isFinal() || status == RunStatus.FAILED || cancelledBeforeStart() || isRetired()) {
            return this;
        }
        RunSnapshot essentials = new RunSnapshot(run.runId(), run.workflowId(), run.workflowVersion(), status, run.createdAt(),
                run.startedAt(), run.completedAt(), run.updatedAt(), null, Map.of(), null, run.error(), run.revision(), run.parent());
        return new RunState(schemaVersion, essentials, null, eventId, Map.of(), source, failures, true);
    }

    /** A run cancelled before it started: remembered so that its late {@code start_run} does not start it. */
    boolean cancelledBeforeStart() {
        return workflow == null && run.status() == RunStatus.CANCELLED && !isRetired();
    }
}
