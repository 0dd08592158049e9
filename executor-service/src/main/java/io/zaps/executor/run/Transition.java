package io.zaps.executor.run;

import tools.jackson.databind.node.ObjectNode;

import io.zaps.contract.SchemaVersions;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The changes one command makes to one run: a working copy of the run, the effects so far, and
 * {@link #commit}, which turns the working copy into one published revision. {@link #decision()} is
 * what the command decided.
 */
final class Transition {
    final WorkflowDefinition workflow;
    final String eventId;
    final String source;
    final SnapshotBuilder run;
    final Instant now;
    final List<Effect> effects = new ArrayList<>();
    final Map<String, Integer> attemptBase = new HashMap<>();
    int failures;
    /** The parent's step results a child run's templates see besides its own; null for a top-level run. */
    ObjectNode inheritedSteps;
    /** The run's trace context, carried over unchanged (the shell sets it). */
    String traceparent;

    Transition(WorkflowDefinition workflow, String eventId, String source, SnapshotBuilder run, Instant now) {
        this.workflow = workflow;
        this.eventId = eventId;
        this.source = source;
        this.run = run;
        this.now = now;
    }

    Transition(RunState state, Instant now) {
        this(state.workflow(), state.eventId(), state.source(), SnapshotBuilder.from(state.run()), now);
        attemptBase.putAll(state.attemptBase());
        failures = state.failureCount();
        inheritedSteps = state.inheritedSteps();
        traceparent = state.traceparent();
    }

    /**
     * Whether an error workflow's trigger started this run: its source says so, or (from a trigger
     * service that does not pass the source on yet) its event id has the shape the executor gives them.
     */
    boolean startedByErrorHandler() {
        return RunStateMachine.ON_FAILURE_SOURCE.equals(source)
                || (eventId != null && eventId.startsWith(RunStateMachine.ON_FAILURE_SOURCE + ":"));
    }

    StepDefinition definition(String stepId) {
        return workflow.step(stepId).orElseThrow(() ->
                new IllegalStateException("run " + run.runId + " has no step '" + stepId + "' in its pinned workflow"));
    }

    void commit(RunEventType type, String stepId) {
        run.revision++;
        run.updatedAt = now;
        RunSnapshot snapshot = run.build();
        effects.add(new Effect.PublishEvent(new RunEvent(type, SchemaVersions.CURRENT, run.runId, stepId, now, snapshot)));
    }

    Decision decision() {
        return Decision.applied(new RunState(RunState.CURRENT_SCHEMA_VERSION, run.build(), workflow, eventId, attemptBase,
                source, failures, null, inheritedSteps, traceparent), effects);
    }
}
