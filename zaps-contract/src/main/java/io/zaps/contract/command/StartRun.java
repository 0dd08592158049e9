package io.zaps.contract.command;

import io.zaps.contract.workflow.WorkflowDefinition;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * Start a run of the pinned workflow version. Issued by the trigger service; a second StartRun for
 * a run id the executor already knows is ignored, which makes trigger redelivery harmless.
 *
 * @param workflow    the workflow definition, pinned: the run uses exactly this version to the end
 * @param context     the trigger's data
 * @param eventId     the trigger event that asked for the run
 * @param requestedAt when the trigger was accepted
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StartRun(
        int schemaVersion,
        String runId,
        WorkflowDefinition workflow,
        ObjectNode context,
        String eventId,
        Instant requestedAt) implements RunCommand {
    public static final String TYPE = "start_run";
}
