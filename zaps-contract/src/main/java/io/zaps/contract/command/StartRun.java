package io.zaps.contract.command;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.zaps.contract.run.ParentRun;
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
 * @param source      who asked, copied from the trigger's {@code source} ({@code api}, {@code on_failure}, ...);
 *                    absent when the trigger named none. A run whose source is {@code on_failure} (an
 *                    error workflow's run) never starts another error workflow.
 * @param parent      the step instance that started this run as its child (a for_each iteration, a parallel
 *                    branch, a called workflow), or null for a top-level run
 * @param inheritedSteps the parent's step results the child's templates see as {@code steps.<id>} besides its
 *                    own ({@code {"<id>": {"status", "output"}}}), or null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StartRun(
        int schemaVersion,
        String runId,
        WorkflowDefinition workflow,
        ObjectNode context,
        String eventId,
        Instant requestedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) String source,
        @JsonInclude(JsonInclude.Include.NON_NULL) ParentRun parent,
        @JsonInclude(JsonInclude.Include.NON_NULL) ObjectNode inheritedSteps) implements RunCommand {
    public static final String TYPE = "start_run";

    /**
     * A start of a top-level run.
     *
     * @param source where the trigger came from ({@code api}, {@code schedule}, ...), or null
     */
    public StartRun(int schemaVersion, String runId, WorkflowDefinition workflow, ObjectNode context, String eventId,
                    Instant requestedAt, String source) {
        this(schemaVersion, runId, workflow, context, eventId, requestedAt, source, null, null);
    }

    /** A start without a named source. */
    public StartRun(int schemaVersion, String runId, WorkflowDefinition workflow, ObjectNode context, String eventId, Instant requestedAt) {
        this(schemaVersion, runId, workflow, context, eventId, requestedAt, null);
    }
}
