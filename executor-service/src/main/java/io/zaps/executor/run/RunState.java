package io.zaps.executor.run;

import io.zaps.contract.run.RunSnapshot;
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
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunState(int schemaVersion, RunSnapshot run, WorkflowDefinition workflow, String eventId,
                       @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Integer> attemptBase,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String source,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Integer failures) {
    public static final int CURRENT_SCHEMA_VERSION = 1;

    public RunState {
        attemptBase = attemptBase == null ? Map.of() : Map.copyOf(attemptBase);
        failures = failures == null || failures <= 0 ? null : failures;
    }

    public static RunState of(RunSnapshot run, WorkflowDefinition workflow, String eventId) {
        return new RunState(CURRENT_SCHEMA_VERSION, run, workflow, eventId, Map.of(), null, null);
    }

    public static RunState of(RunSnapshot run, WorkflowDefinition workflow, String eventId, Map<String, Integer> attemptBase) {
        return new RunState(CURRENT_SCHEMA_VERSION, run, workflow, eventId, attemptBase, null, null);
    }

    public RunState withRun(RunSnapshot next) {
        return new RunState(schemaVersion, next, workflow, eventId, attemptBase, source, failures);
    }

    /** How often the run has failed so far. */
    public int failureCount() {
        return failures == null ? 0 : failures;
    }

    /** A run cancelled before it started: remembered so that its late {@code start_run} does not start it. */
    boolean cancelledBeforeStart() {
        return workflow == null && run.status() == io.zaps.contract.run.RunStatus.CANCELLED;
    }
}
