package io.zaps.contract.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A workflow: an entry point and a chain of steps. {@code version}, {@code createdAt} and
 * {@code updatedAt} are set by the gateway; every update makes a new version, and a run keeps the
 * version it started with.
 *
 * <p>{@code retry} is the default {@link RetryPolicy} of every step that has none of its own.
 *
 * <p>{@code trigger} is the optional trigger section ({@code {"type": "webhook" | "schedule" | "email" | "kafka", ...}},
 * see {@link io.zaps.contract.trigger.TriggerSpec}); a workflow without one is started by the REST API and the
 * triggers topic only. {@code on_failure} optionally names an error workflow started when a run fails.
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
        Instant updatedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) RetryPolicy retry,
        @JsonInclude(JsonInclude.Include.NON_NULL) ObjectNode trigger,
        @JsonInclude(JsonInclude.Include.NON_NULL) OnFailure onFailure) {

    public WorkflowDefinition {
        steps = steps == null ? null : List.copyOf(steps);
    }

    /** A workflow without a trigger section or error workflow. */
    public WorkflowDefinition(String id, String name, String description, String entryPoint, WorkflowStatus status,
                              List<StepDefinition> steps, Integer version, Instant createdAt, Instant updatedAt,
                              RetryPolicy retry) {
        this(id, name, description, entryPoint, status, steps, version, createdAt, updatedAt, retry, null, null);
    }

    /** A workflow without a workflow-wide retry policy. */
    public WorkflowDefinition(String id, String name, String description, String entryPoint, WorkflowStatus status,
                              List<StepDefinition> steps, Integer version, Instant createdAt, Instant updatedAt) {
        this(id, name, description, entryPoint, status, steps, version, createdAt, updatedAt, null, null, null);
    }

    /** The policy for {@code step}: its own, else the workflow's, else {@link RetryPolicy#NONE}. */
    public RetryPolicy retryFor(StepDefinition step) {
        if (step != null && step.retry() != null) {
            return step.retry();
        }
        return retry == null ? RetryPolicy.NONE : retry;
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

    /** A copy with every field kept but the id (the gateway's PUT, where the path names the workflow). */
    public WorkflowDefinition withId(String newId) {
        return new WorkflowDefinition(newId, name, description, entryPoint, status, steps, version, createdAt, updatedAt, retry,
                trigger, onFailure);
    }

    /** A copy stamped with the given version and times (the gateway's part of a create or update). */
    public WorkflowDefinition stamped(int newVersion, Instant created, Instant updated) {
        return new WorkflowDefinition(id, name, description, entryPoint, statusOrDefault(), steps, newVersion, created, updated, retry,
                trigger, onFailure);
    }
}
