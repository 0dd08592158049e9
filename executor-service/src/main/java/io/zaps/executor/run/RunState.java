package io.zaps.executor.run;

import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.workflow.WorkflowDefinition;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * What the executor keeps about one run (the value of the {@code runs} state store, as JSON via
 * {@link io.zaps.contract.Json}): the snapshot it publishes, plus the workflow definition pinned
 * when the run started, so that later versions of the workflow never change a running run.
 *
 * @param schemaVersion the layout of this record; only fields are ever added
 * @param run           the run's snapshot, exactly as last published
 * @param workflow      the pinned workflow definition
 * @param eventId       the trigger event that started the run, for tracing
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunState(int schemaVersion, RunSnapshot run, WorkflowDefinition workflow, String eventId) {
    public static final int CURRENT_SCHEMA_VERSION = 1;

    public static RunState of(RunSnapshot run, WorkflowDefinition workflow, String eventId) {
        return new RunState(CURRENT_SCHEMA_VERSION, run, workflow, eventId);
    }

    public RunState withRun(RunSnapshot next) {
        return new RunState(schemaVersion, next, workflow, eventId);
    }
}
