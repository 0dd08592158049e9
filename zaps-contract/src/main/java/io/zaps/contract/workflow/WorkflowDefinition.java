package io.zaps.contract.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A workflow: an entry point and a chain of steps. {@code version}, {@code createdAt} and
 * {@code updatedAt} are set by the gateway; every update makes a new version, and a run keeps the
 * version it started with.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record WorkflowDefinition(
        String id,
        String name,
        String description,
        String entryPoint,
        WorkflowStatus status,
        List<StepDefinition> steps,
        Integer version,
        Instant createdAt,
        Instant updatedAt) {

    public WorkflowDefinition {
        steps = steps == null ? null : List.copyOf(steps);
    }

    public Optional<StepDefinition> step(String stepId) {
        if (steps == null || stepId == null) {
            return Optional.empty();
        }
        return steps.stream().filter(s -> stepId.equals(s.id())).findFirst();
    }

    public WorkflowStatus statusOrDefault() {
        return status == null ? WorkflowStatus.ACTIVE : status;
    }

    /** A copy stamped with the given version and times (the gateway's part of a create or update). */
    public WorkflowDefinition stamped(int newVersion, Instant created, Instant updated) {
        return new WorkflowDefinition(id, name, description, entryPoint, statusOrDefault(), steps, newVersion, created, updated);
    }
}
