package io.zaps.contract.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.zaps.contract.Ids;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.SchemaVersions;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * A record of {@link io.zaps.contract.Topics#WORKFLOWS}, keyed by the workflow id: {@value #SAVED} carries the whole
 * definition of a version that became current, {@value #DELETED} says the workflow's current definition was removed at
 * {@code version} (its highest version then; a later create gets a higher one). A delete is a record rather than a
 * tombstone so that it keeps its version: a reader never lets a record replace one with the same or a higher version,
 * so a late or repeated publish of an older version cannot bring a deleted workflow back.
 *
 * @param workflowId the workflow's id (equal to the record key)
 * @param version    the version saved, or the highest version when deleted
 * @param workflow   the definition ({@value #SAVED}); null for {@value #DELETED}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record WorkflowRecord(
        String type,
        Integer schemaVersion,
        String workflowId,
        Integer version,
        @JsonInclude(JsonInclude.Include.NON_NULL) WorkflowDefinition workflow) {
    public static final String SAVED = "workflow_saved";
    public static final String DELETED = "workflow_deleted";

    public static WorkflowRecord saved(WorkflowDefinition definition) {
        return new WorkflowRecord(SAVED, SchemaVersions.CURRENT, definition.id(), definition.version(), definition);
    }

    public static WorkflowRecord deleted(String workflowId, int version) {
        return new WorkflowRecord(DELETED, SchemaVersions.CURRENT, workflowId, version, null);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isDeleted() {
        return DELETED.equals(type);
    }

    /** Checks the record; throws {@link MalformedRecordException} naming what is wrong. */
    public WorkflowRecord validated() {
        if (!SAVED.equals(type) && !DELETED.equals(type)) {
            throw new MalformedRecordException("unknown record type '" + type + "' on the workflows topic");
        }
        SchemaVersions.check(schemaVersion == null ? 1 : schemaVersion, type);
        if (workflowId == null || !Ids.isSafe(workflowId)) {
            throw new MalformedRecordException("workflow_id must match " + Ids.SAFE_ID.pattern());
        }
        if (version == null || version < 1) {
            throw new MalformedRecordException("version must be a positive integer");
        }
        if (SAVED.equals(type) && (workflow == null || !workflowId.equals(workflow.id()) || !version.equals(workflow.version()))) {
            throw new MalformedRecordException("workflow_saved needs the workflow, with the record's workflow_id and version");
        }
        return this;
    }
}
