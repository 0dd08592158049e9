package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.command.ChildRunEnded;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.run.ParentRun;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.template.Expressions;
import io.zaps.contract.template.TemplateException;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.executor.run.Decision.IgnoreReason;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;

/**
 * {@code call_workflow}: asks the trigger service (which owns the saved workflows) for a run of another
 * workflow, as a child of this step's attempt ({@link TriggerRequested#child}); with {@code wait} the step
 * waits for its {@code child_run_ended}. A failed child fails the attempt retryably, so the step's retry
 * policy starts a new child (the attempt is part of its id).
 */
final class CallWorkflowStep implements StepKind, WaitsForChildren {
    private final StepFlow flow;
    private final RunLimits limits;

    CallWorkflowStep(StepFlow flow, RunLimits limits) {
        this.flow = flow;
        this.limits = limits;
    }

    @Override
    public void startAttempt(Transition t, StepDefinition definition, int attempt, ObjectNode config) {
        int depth = t.run.parent == null ? 1 : t.run.parent.depth() + 1;
        if (depth > ParentRun.MAX_DEPTH) {
            flow.failAtStart(t, definition, attempt, config, "the called run would nest " + depth + " deep, more than "
                    + ParentRun.MAX_DEPTH + " (does the workflow call itself?)");
            return;
        }
        JsonNode context;
        try {
            context = config.has("context") && !config.get("context").isNull()
                    ? Expressions.renderTyped(config.get("context"), TemplateData.of(t), "config.context") : Json.object();
        } catch (TemplateException e) {
            flow.failAtStart(t, definition, attempt, config, "cannot render " + e.getMessage());
            return;
        }
        int size = Json.toBytes(context).length;
        if (size > limits.maxStepBytes()) {
            flow.failAtStart(t, definition, attempt, config, "config.context renders to " + size + " bytes, more than " + limits.maxStepBytes());
            return;
        }
        String workflowId = config.path("workflow_id").asString();
        boolean wait = config.path("wait").asBoolean(true);
        String childId = ChildRuns.runId(t.run.runId, definition.id(), attempt, 0);
        t.effects.add(new Effect.RequestTrigger(TriggerRequested.child(ChildRuns.eventId(t.run.runId, definition.id(), attempt, 0),
                childId, workflowId, (ObjectNode) context, t.now, new ParentRun(t.run.runId, definition.id(), attempt, 0, depth))));
        ObjectNode input = Json.object().put("workflow_id", workflowId).put("wait", wait);
        input.set("context", context);
        StepState running = ChildRuns.withOutput(t.run.step(definition.id()).running(attempt, input, t.now)
                .withAttempt(StepAttempt.started(attempt, t.now)), Json.object().put("run_id", childId));
        if (wait) {
            t.run.put(running);
            t.commit(RunEventType.STEP_STARTED, definition.id());
        } else {
            flow.succeedStep(t, running, Json.object().put("run_id", childId));
        }
    }

    @Override
    public Decision onChildEnded(RunState state, StepState step, ChildRunEnded ended, Instant now) {
        String expected = ChildRuns.runId(state.run().runId(), step.stepId(), step.attempt(), 0);
        if (!expected.equals(ended.childRunId()) || step.nextAttemptAt() != null) {
            return Decision.ignored(state, IgnoreReason.STALE_ATTEMPT, ChildRunEnded.TYPE + " from run " + ended.childRunId()
                    + ", which step '" + step.stepId() + "' does not wait for");
        }
        Transition t = new Transition(state, now);
        ObjectNode output = Json.object().put("run_id", ended.childRunId()).put("status", ended.status().wireName());
        if (ended.status() == RunStatus.COMPLETED) {
            output.set("output", ended.output() == null ? Json.mapper().nullNode() : ended.output());
            flow.succeedStep(t, step, output);
        } else {
            String reason = "the called run " + ended.childRunId() + " of workflow '" + step.input().path("workflow_id").asString()
                    + "' ended " + ended.status().wireName() + (ended.error() == null ? "" : ": " + ended.error());
            flow.attemptFailed(t, StepFlow.endAttempt(step, StepAttempt.Outcome.FAILED, reason, true, now), reason, output, true, null);
        }
        return t.decision();
    }

    @Override
    public List<String> activeChildren(Transition t, StepState step) {
        return step.nextAttemptAt() != null ? List.of() : List.of(ChildRuns.runId(t.run.runId, step.stepId(), step.attempt(), 0));
    }
}
