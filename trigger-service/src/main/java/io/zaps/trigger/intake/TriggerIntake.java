package io.zaps.trigger.intake;

import io.zaps.contract.command.ChildRunEnded;
import io.zaps.contract.run.ParentRun;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The trigger service's decision, free of Kafka and files: given a parsed trigger, where its record
 * sits and the workflow as currently stored, start the run or reject it.
 *
 * <p>Ids are deterministic so that a redelivered or re-produced trigger maps to the same run (the
 * executor ignores a second {@code StartRun} for a run it knows): the trigger's {@code run_id}, else
 * one derived from its {@code event_id}, else one derived from the record's topic/partition/offset.
 */
public final class TriggerIntake {
    private final Clock clock;

    public TriggerIntake(Clock clock) {
        this.clock = clock;
    }

    /** Reads and checks a record value; throws {@link io.zaps.contract.MalformedRecordException} naming the problem. */
    public static TriggerRequested parse(byte[] value) {
        return Json.read(value, TriggerRequested.class).validated();
    }

    public IntakeDecision decide(TriggerRequested trigger, RecordCoordinates at, Optional<WorkflowDefinition> workflow) {
        if (workflow.isEmpty()) {
            return reject(trigger, at, null, "workflow '" + trigger.workflowId() + "' does not exist");
        }
        WorkflowDefinition definition = workflow.get();
        if (!trigger.workflowId().equals(definition.id())) {
            return reject(trigger, at, null, "the stored file of workflow '" + trigger.workflowId()
                    + "' holds workflow '" + definition.id() + "'");
        }
        WorkflowStatus status = definition.statusOrDefault();
        if (status != WorkflowStatus.ACTIVE) {
            return reject(trigger, at, definition, "workflow '" + definition.id() + "' is " + status.wireName()
                    + " and accepts no triggers");
        }
        return new IntakeDecision.Start(new StartRun(SchemaVersions.CURRENT, runId(trigger, at), definition,
                context(trigger), eventId(trigger, at), requestedAt(trigger, now()), trigger.source(), trigger.parent(), null));
    }

    /** Rejects a valid trigger for a reason found outside this class (e.g. the workflow file cannot be read). */
    public IntakeDecision.Reject reject(TriggerRequested trigger, RecordCoordinates at, String reason) {
        return reject(trigger, at, null, reason);
    }

    private IntakeDecision.Reject reject(TriggerRequested trigger, RecordCoordinates at, WorkflowDefinition definition, String reason) {
        String runId = runId(trigger, at);
        Instant now = now();
        Map<String, StepState> steps = new LinkedHashMap<>();
        if (definition != null && definition.steps() != null) {
            for (StepDefinition step : definition.steps()) {
                steps.putIfAbsent(step.id(), StepState.pending(step.id(), step.type()));
            }
        }
        RunSnapshot snapshot = new RunSnapshot(runId, trigger.workflowId(),
                definition == null ? null : definition.version(), RunStatus.FAILED,
                requestedAt(trigger, now), null, now, now, context(trigger), steps, null, reason, 1, trigger.parent());
        RunEvent event = new RunEvent(RunEventType.RUN_REJECTED, SchemaVersions.CURRENT, runId, null, now, snapshot);
        ParentRun parent = trigger.parent();
        ChildRunEnded toParent = parent == null ? null : new ChildRunEnded(SchemaVersions.CURRENT, parent.runId(), parent.stepId(),
                parent.attempt(), parent.index(), runId, RunStatus.FAILED, null, reason);
        return new IntakeDecision.Reject(runId, reason, event, toParent);
    }

    public static String eventId(TriggerRequested trigger, RecordCoordinates at) {
        return trigger.eventId() != null ? trigger.eventId() : at.eventId();
    }

    public static String runId(TriggerRequested trigger, RecordCoordinates at) {
        return trigger.runId() != null ? trigger.runId() : Ids.runIdForEvent(eventId(trigger, at));
    }

    private static ObjectNode context(TriggerRequested trigger) {
        return trigger.context() == null ? Json.object() : trigger.context();
    }

    private static Instant requestedAt(TriggerRequested trigger, Instant now) {
        return trigger.requestedAt() != null ? trigger.requestedAt() : now;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
