package io.zaps.executor.run;

import io.zaps.contract.run.ParentRun;

import io.zaps.contract.Json;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.step.WaitForEventSpec;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.executor.run.Decision.IgnoreReason;

import java.time.Instant;
import java.util.List;

/**
 * {@code start_run}: creates the run with its pinned workflow and enters the entry point; creates it
 * cancelled when a cancel came first; rejects a workflow the gateway would not have saved. A second
 * start of a run is a duplicate.
 */
final class StartRunApplier {
    private final StepFlow flow;
    private final ValidWorkflows validator;
    private final ResumeLinks resumeLinks;

    StartRunApplier(StepFlow flow, ValidWorkflows validator, ResumeLinks resumeLinks) {
        this.flow = flow;
        this.validator = validator;
        this.resumeLinks = resumeLinks;
    }

    Decision apply(RunState state, StartRun command, Instant now) {
        if (state != null && state.cancelledBeforeStart() && command.workflow() != null) {
            return startCancelled(state, command, now);
        }
        if (state != null) {
            return Decision.ignored(state, IgnoreReason.DUPLICATE_START, "run " + command.runId()
                    + " already exists (status " + state.run().status().wireName() + ", revision " + state.run().revision() + ")");
        }
        WorkflowDefinition workflow = command.workflow();
        if (workflow == null) {
            return Decision.ignored(null, IgnoreReason.NOT_APPLICABLE, "start_run for " + command.runId() + " carries no workflow");
        }
        // Whoever produced the command, the executor runs only what the gateway would have saved.
        List<Violation> violations = validator.violations(workflow);
        if (!violations.isEmpty()) {
            return reject(command, now, "workflow '" + workflow.id() + "' (version " + workflow.version() + ") is not valid: "
                    + Violation.summary(violations), true);
        }
        if (command.parent() != null && command.parent().depth() > ParentRun.MAX_DEPTH) {
            return reject(command, now, "child runs nest " + command.parent().depth() + " deep, more than " + ParentRun.MAX_DEPTH, true);
        }
        SnapshotBuilder run = initialRun(command, now, flow.owned(workflow), resumeLinks);
        Transition t = new Transition(workflow, command.eventId(), command.source(), run, now);
        t.inheritedSteps = command.inheritedSteps();
        t.commit(RunEventType.RUN_STARTED, null);
        flow.enterStep(t, workflow.entryPoint());
        return t.decision();
    }

    /** See {@link RunStateMachine#reject}. */
    Decision reject(StartRun command, Instant now, String reason, boolean keepContext) {
        SnapshotBuilder run = new SnapshotBuilder();
        run.runId = command.runId();
        run.workflowId = command.workflow() == null ? null : command.workflow().id();
        run.workflowVersion = command.workflow() == null ? null : command.workflow().version();
        run.status = RunStatus.FAILED;
        run.createdAt = command.requestedAt() == null ? now : command.requestedAt();
        run.context = keepContext && command.context() != null ? command.context() : Json.object();
        run.completedAt = now;
        run.error = reason;
        run.parent = command.parent();
        Transition t = new Transition(null, command.eventId(), command.source(), run, now);
        t.commit(RunEventType.RUN_REJECTED, null);
        t.effects.add(new Effect.DeadLetter(reason));
        ChildRuns.notifyParent(t); // a parent waiting for this child must not wait forever
        return t.decision();
    }

    /** The cancel came first: the run is created with the pinned workflow, and ends there. */
    private Decision startCancelled(RunState tombstone, StartRun command, Instant now) {
        SnapshotBuilder run = initialRun(command, now, flow.owned(command.workflow()), resumeLinks);
        run.revision = tombstone.run().revision();
        Transition t = new Transition(command.workflow(), command.eventId(), command.source(), run, now);
        flow.cancelRun(t, tombstone.run().error());
        return t.decision();
    }

    /**
     * The run as it starts: every step pending but those that run only in child runs ({@code owned}), and the
     * resume URL of each {@code wait_for_event} step it runs itself, so that any step can send it before the wait.
     */
    private static SnapshotBuilder initialRun(StartRun command, Instant now, java.util.Set<String> owned, ResumeLinks links) {
        WorkflowDefinition workflow = command.workflow();
        SnapshotBuilder run = new SnapshotBuilder();
        run.runId = command.runId();
        run.workflowId = workflow.id();
        run.workflowVersion = workflow.version();
        run.status = RunStatus.RUNNING;
        run.createdAt = command.requestedAt() == null ? now : command.requestedAt();
        run.startedAt = now;
        run.context = command.context() == null ? Json.object() : command.context();
        java.util.Map<String, String> resumeUrls = new java.util.LinkedHashMap<>();
        if (workflow.steps() != null) {
            for (StepDefinition step : workflow.steps()) {
                if (step != null && step.id() != null && !owned.contains(step.id())) {
                    run.steps.putIfAbsent(step.id(), StepState.pending(step.id(), step.type()));
                    if (WaitForEventSpec.TYPE.equals(step.type())) {
                        resumeUrls.putIfAbsent(step.id(), links.runUrl(run.runId, step.id()));
                    }
                }
            }
        }
        run.resumeUrls = resumeUrls;
        run.revision = 0;
        run.parent = command.parent();
        return run;
    }
}
