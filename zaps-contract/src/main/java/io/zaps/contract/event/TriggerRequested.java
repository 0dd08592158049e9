package io.zaps.contract.event;

import io.zaps.contract.Ids;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.SchemaVersions;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * Someone asked for a run of a workflow: the gateway, a trigger source, or any outside program
 * producing onto {@link io.zaps.contract.Topics#TRIGGERS}. The smallest valid record is
 * {@code {"workflow_id": "invoice_reminder"}}; {@code type} defaults to {@value #TYPE} and
 * {@code schema_version} to 1.
 *
 * @param eventId     identifies the request; the run id is derived from it when {@code runId} is absent.
 *                    When absent too, the trigger service uses the record's topic/partition/offset.
 * @param runId       the run id the gateway already promised to its caller, or null
 * @param context     the run's input data (an object), default {@code {}}
 * @param source      who asked: {@code api}, {@code kafka}, ...
 * @param requestedAt when it was asked
 * @param parent      the {@code call_workflow} step whose attempt asked for this run, or null. Honoured only on
 *                    {@link io.zaps.contract.Topics#CALL_TRIGGERS}, which only the executor writes; the trigger service
 *                    drops it from records on the public {@link io.zaps.contract.Topics#TRIGGERS}
 * @param workflowVersion the version of the workflow the requester saw (the gateway sets it), or null: the trigger
 *                    service starts the run with this version or a newer one, waiting (bounded) for its view of
 *                    {@link io.zaps.contract.Topics#WORKFLOWS} to catch up when it knows only an older one
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TriggerRequested(
        String type,
        Integer schemaVersion,
        String eventId,
        String runId,
        String workflowId,
        ObjectNode context,
        String source,
        Instant requestedAt,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        io.zaps.contract.run.ParentRun parent,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        Integer workflowVersion) {
    public static final String TYPE = "trigger_requested";

    /** A trigger without a workflow version. */
    public TriggerRequested(String type, Integer schemaVersion, String eventId, String runId, String workflowId, ObjectNode context,
                            String source, Instant requestedAt, io.zaps.contract.run.ParentRun parent) {
        this(type, schemaVersion, eventId, runId, workflowId, context, source, requestedAt, parent, null);
    }

    /** A trigger as it has always been, from no parent run. */
    public TriggerRequested(String type, Integer schemaVersion, String eventId, String runId, String workflowId, ObjectNode context,
                            String source, Instant requestedAt) {
        this(type, schemaVersion, eventId, runId, workflowId, context, source, requestedAt, null);
    }

    public static TriggerRequested of(String eventId, String runId, String workflowId, ObjectNode context, String source, Instant requestedAt) {
        return new TriggerRequested(TYPE, io.zaps.contract.SchemaVersions.CURRENT, eventId, runId, workflowId, context, source, requestedAt);
    }

    /** A run of {@code workflowId} asked for by a {@code call_workflow} step of {@code parent}'s run. */
    public static TriggerRequested child(String eventId, String runId, String workflowId, ObjectNode context, Instant requestedAt,
                                         io.zaps.contract.run.ParentRun parent) {
        return new TriggerRequested(TYPE, io.zaps.contract.SchemaVersions.CURRENT, eventId, runId, workflowId, context,
                "call_workflow", requestedAt, parent);
    }

    /** This trigger with no parent run: what the trigger service makes of one read from a public topic. */
    public TriggerRequested withoutParent() {
        return parent == null ? this
                : new TriggerRequested(type, schemaVersion, eventId, runId, workflowId, context, source, requestedAt, null, workflowVersion);
    }

    /** This trigger, asking for at least {@code version} of its workflow. */
    public TriggerRequested withWorkflowVersion(Integer version) {
        return new TriggerRequested(type, schemaVersion, eventId, runId, workflowId, context, source, requestedAt, parent, version);
    }

    /** Checks the record; throws {@link MalformedRecordException} naming what is wrong. */
    public TriggerRequested validated() {
        if (type != null && !TYPE.equals(type)) {
            throw new MalformedRecordException("unknown record type '" + type + "' on the triggers topic (expected '" + TYPE + "')");
        }
        SchemaVersions.check(schemaVersion == null ? 1 : schemaVersion, "trigger_requested");
        if (workflowId == null || workflowId.isBlank()) {
            throw new MalformedRecordException("workflow_id is required");
        }
        if (!Ids.isSafe(workflowId)) {
            throw new MalformedRecordException("workflow_id must match " + Ids.SAFE_ID.pattern());
        }
        if (runId != null && !Ids.isRunId(runId)) {
            throw new MalformedRecordException("run_id must be a lower-case UUID");
        }
        if (eventId != null && (eventId.isBlank() || eventId.length() > Ids.MAX_EVENT_ID)) {
            throw new MalformedRecordException("event_id must be 1 to 200 characters");
        }
        return this;
    }
}
